from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimingConfig(AppConfig):
    name = "timing"
    verbose_name = _("Timing")

    def ready(self) -> None:
        # answers events' asking signals (the rider's result on their page, the manage page's links)
        from timing import receivers  # noqa: F401, PLC0415
