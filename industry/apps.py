from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndustryConfig(AppConfig):
    name = "industry"
    verbose_name = _("Industry")

    def ready(self) -> None:
        # connects the receivers to events' signals; models load only once the registry is ready
        from industry import receivers  # noqa: F401, PLC0415
