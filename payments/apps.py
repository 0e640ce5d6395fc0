from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # events asks payments through its port (events/payments_port.py) when a seat's money moves
        from core import personal_data  # noqa: PLC0415
        from events import payments_port  # noqa: PLC0415
        from payments import personal_data as mine  # noqa: PLC0415
        from payments import receivers  # noqa: F401, PLC0415
        from payments.seat_money import PaymentsForSeats  # noqa: PLC0415

        payments_port.register(PaymentsForSeats())
        personal_data.register("orders", mine.export, mine.erase, preview=mine.preview)
