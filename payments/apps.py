from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # events asks for an order when a paid seat is held (events.signals.payment_needed)
        from core import personal_data  # noqa: PLC0415
        from payments import personal_data as mine  # noqa: PLC0415
        from payments import receivers  # noqa: F401, PLC0415

        personal_data.register("orders", mine.export, mine.erase)
