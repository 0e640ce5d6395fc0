"""How clubs reacts to payments (connected in ClubsConfig.ready): paid dues extend the membership."""

from typing import Any

from django.dispatch import receiver

from clubs.services import dues_extend
from payments.models import Order
from payments.signals import dues_paid


@receiver(dues_paid, dispatch_uid="clubs.dues_paid")
def extend_membership(sender: type, *, order: Order, **kwargs: Any) -> None:
    if order.subject_id is not None:
        dues_extend(membership_id=order.subject_id)
