from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimingConfig(AppConfig):
    name = "timing"
    verbose_name = _("Timing")

    def ready(self) -> None:
        # answers events' asking signals (the rider's result on their page, the manage page's links),
        # renders the SOS text, and adds its part to a rider's data download and erasure
        from core import outbox, personal_data  # noqa: PLC0415
        from timing import notifications, receivers  # noqa: F401, PLC0415
        from timing import personal_data as timing_data  # noqa: PLC0415
        from timing.services.tracking import SOS_TOPIC  # noqa: PLC0415

        outbox.register(SOS_TOPIC, notifications.render_sos)
        personal_data.register("timing", timing_data.export, timing_data.erase)
