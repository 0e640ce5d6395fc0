"""How payments reacts to events (connected in PaymentsConfig.ready): a held seat gets an order, a
cancelled one its refund, the organizer's and the rider's pages their payment links."""

from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from core.templatetags.site import yuan
from events.models import Event, Registration
from events.signals import (
    event_cancelled,
    event_notes,
    organizer_figures,
    organizer_links,
    payment_needed,
    registration_cancelled,
    registration_links,
    registration_payment,
    registration_repriced,
    switch_payment,
)
from payments import finance, services
from payments.models import Order


@receiver(payment_needed, dispatch_uid="payments.order_for_seat")
def order_on_hold(sender: type, *, registration: Registration, amount_fen: int, deadline: Any, **kwargs: Any) -> None:
    services.order_for_seat(registration=registration, amount_fen=amount_fen, deadline=deadline)


def _pending(registration: Registration) -> Order | None:
    """The order still to pay for this registration (one past its deadline expires on reading)."""
    order = Order.objects.filter(registration=registration, status=Order.Status.PENDING,
                                 kind=Order.Kind.REGISTRATION).order_by("-pk").first()
    return order if order is not None and services.order_current(order).status == Order.Status.PENDING else None


@receiver(registration_links, dispatch_uid="payments.pay_link")
def pay_link(sender: type, *, registration: Registration, **kwargs: Any) -> list[tuple[str, str]]:
    """The rider's way to pay for a held seat, and the receipts of what they paid."""
    order = _pending(registration)
    if order is not None:
        return [(_("Pay ¥%(amount)s") % {"amount": yuan(order.amount_fen)}, reverse("payments:order", args=[order.pk]))]
    return [(_("Receipt"), reverse("payments:receipt", args=[o.pk]))
            for o in Order.objects.filter(registration=registration, paid_at__isnull=False).order_by("pk")]


@receiver(registration_payment, dispatch_uid="payments.order_of_registration")
def order_of(sender: type, *, registration: Registration, **kwargs: Any) -> list[dict] | None:
    order = _pending(registration)
    if order is None:
        return None
    return [{"id": order.pk, "amount_fen": order.amount_fen, "currency": order.currency, "status": order.status,
             "expires_at": order.expires_at, "pay_url": reverse("payments:order", args=[order.pk])}]


@receiver(organizer_links, dispatch_uid="payments.organizer_links")
def payments_links(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str]]:
    if not event.categories.filter(fee_cny__gt=0).exists():
        return []
    return [(_("Payments and refunds"), reverse("payments:event", args=[event.slug])),
            (_("Unpaid seats"), reverse("payments:unpaid", args=[event.slug]))]


@receiver(organizer_figures, dispatch_uid="payments.organizer_figures")
def money_figures(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str, str]]:
    if not event.categories.filter(fee_cny__gt=0).exists():
        return []
    summary = finance.event_summary(event)
    return [(_("Received"), f"¥{yuan(summary.received_fen)}", "money-received"),
            (_("Refunded"), f"¥{yuan(summary.refunded_fen)}", "money-refunded"),
            (_("Net"), f"¥{yuan(summary.net_fen)}", "money-net")]


@receiver(registration_cancelled, dispatch_uid="payments.registration_cancelled")
def registration_withdrawn(sender: type, *, registration: Registration, by_rider: bool, **kwargs: Any) -> None:
    services.registration_withdrawn(registration=registration, by_rider=by_rider)


@receiver(event_cancelled, dispatch_uid="payments.event_cancelled")
def refund_everyone(sender: type, *, event: Event, **kwargs: Any) -> None:
    services.event_refund_all(event=event)


@receiver(registration_repriced, dispatch_uid="payments.registration_repriced")
def repriced(sender: type, *, registration: Registration, difference_fen: int, **kwargs: Any) -> None:
    services.registration_repriced(registration=registration, difference_fen=difference_fen)


@receiver(switch_payment, dispatch_uid="payments.switch_payment")
def switch_pay_url(sender: type, *, registration: Registration, category: Any, **kwargs: Any) -> list[str]:
    order = services.switch_order(registration=registration, category=category)
    return [reverse("payments:order", args=[order.pk])]


def _when(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATETIME_FORMAT") if value else ""


@receiver(event_notes, dispatch_uid="payments.refund_policy")
def refund_policy(sender: type, *, event: Event, registration: Registration | None = None,
                  **kwargs: Any) -> list[str]:
    """The refund policy in words, where the event charges (and, for a paid rider, what
    withdrawing now gives back)."""
    if not event.categories.filter(fee_cny__gt=0).exists():
        return []
    policy = services.refund_policy(event)
    parts = []
    if policy.refund_full_until:
        parts.append(_("full refund until %(date)s") % {"date": _when(policy.refund_full_until)})
    if policy.refund_part_until:
        parts.append(_("%(percent)s%% back until %(date)s") % {"percent": policy.refund_part_percent,
                                                               "date": _when(policy.refund_part_until)})
    lines = [_("Refunds if you withdraw: %(rules)s; none after.") % {"rules": "; ".join(parts)} if parts
             else _("Entry fees are not refunded if you withdraw.")]
    lines.append(_("If the organizer cancels the event, everyone is refunded in full."))
    if registration is not None:
        paid = sum(services.refundable(o) for o in Order.objects.filter(
            registration=registration, status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED]))
        if paid:
            lines.append(_("If you withdraw now you get ¥%(amount)s back.")
                         % {"amount": yuan(services.refund_by_policy(event, paid))})
    return lines
