from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # events asks for an order when a paid seat is held (events.signals.payment_needed)
        from payments import receivers  # noqa: F401, PLC0415
