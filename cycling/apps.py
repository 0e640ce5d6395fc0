from django.apps import AppConfig


class CyclingConfig(AppConfig):
    """The project package as an app, for site-wide template tags and the demo command."""

    name = "cycling"
    verbose_name = "Cycling"
