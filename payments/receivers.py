"""How payments reacts to events (connected in PaymentsConfig.ready): a held seat gets an order."""

from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from core.templatetags.site import yuan
from events.models import Event, Registration
from events.signals import (
    organizer_links,
    payment_needed,
    payment_withdrawn,
    registration_links,
    registration_payment,
)
from payments import providers
from payments.models import Order
from payments.services import order_current, order_for_seat


@receiver(payment_needed, dispatch_uid="payments.order_for_seat")
def order_on_hold(sender: type, *, registration: Registration, amount_fen: int, deadline: Any, **kwargs: Any) -> None:
    order_for_seat(registration=registration, amount_fen=amount_fen, deadline=deadline)


def _pending(registration: Registration) -> Order | None:
    """The order still to pay for this registration (one past its deadline expires on reading)."""
    order = Order.objects.filter(registration=registration, status=Order.Status.PENDING).order_by("-pk").first()
    return order if order is not None and order_current(order).status == Order.Status.PENDING else None


@receiver(registration_links, dispatch_uid="payments.pay_link")
def pay_link(sender: type, *, registration: Registration, **kwargs: Any) -> list[tuple[str, str]]:
    """The rider's way to pay for a held seat (the development gateway until a merchant is on)."""
    order = _pending(registration)
    if order is None or not providers.dev_enabled():
        return []
    return [(_("Pay ¥%(amount)s") % {"amount": yuan(order.amount_fen)}, reverse("payments:dev-pay", args=[order.pk]))]


@receiver(registration_payment, dispatch_uid="payments.order_of_registration")
def order_of(sender: type, *, registration: Registration, **kwargs: Any) -> list[dict] | None:
    order = _pending(registration)
    if order is None:
        return None
    pay_url = reverse("payments:dev-pay", args=[order.pk]) if providers.dev_enabled() else None
    return [{"id": order.pk, "amount_fen": order.amount_fen, "currency": order.currency, "status": order.status,
             "expires_at": order.expires_at, "pay_url": pay_url}]


@receiver(organizer_links, dispatch_uid="payments.unpaid_link")
def unpaid_link(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str]]:
    if not event.categories.filter(fee_cny__gt=0).exists():
        return []
    return [(_("Unpaid seats"), reverse("payments:unpaid", args=[event.slug]))]


@receiver(payment_withdrawn, dispatch_uid="payments.order_withdrawn")
def order_withdrawn(sender: type, *, registration: Registration, **kwargs: Any) -> None:
    """A later payment for it finds it cancelled: it takes a free seat or is refunded."""
    Order.objects.filter(registration=registration, status=Order.Status.PENDING).update(status=Order.Status.CANCELLED)
