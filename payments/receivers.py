"""What payments adds to events' pages (connected in PaymentsConfig.ready): the rider's pay link
and receipts, the organizer's money links and figures, the refund policy in words. Read only: what
happens to money when a seat moves goes through the seat_money port (payments/seat_money.py)."""

from typing import Any

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.signals import own_profile_sections
from core import times
from core.models import StatusChange
from core.templatetags.site import yuan
from events.models import Event, Registration
from events.selectors import history_row
from events.signals import event_notes, history_rows, organizer_figures, organizer_links, registration_links
from payments import finance, services
from payments.models import Order, Refund
from payments.seat_money import pending_order as _pending
from payments.selectors import orders_of, payable_together, payment_settings_of


@receiver(registration_links, dispatch_uid="payments.pay_link")
def pay_link(sender: type, *, registration: Registration, request: Any = None,
             **kwargs: Any) -> list[tuple[str, str]]:
    """The way to pay for a held seat (for whoever owes it), and the receipts of what the viewer
    paid: a transferred seat's new holder never gets a link to the previous holder's receipt."""
    viewer = getattr(getattr(request, "user", None), "pk", None)
    order = _pending(registration)
    if order is not None:
        if viewer is not None and order.rider_id != viewer:
            return []
        links = [(_("Pay ¥%(amount)s") % {"amount": yuan(order.amount_fen)},
                  reverse("payments:order", args=[order.pk]))]
        for together in payable_together(payer=order.rider):
            if together["event"].pk == registration.event_id:  # a family's seats: one payment for all
                links.append((_("Pay for all %(n)s seats at once: ¥%(amount)s")
                              % {"n": together["count"], "amount": yuan(together["amount_fen"])},
                              reverse("payments:orders") + f"#pay-together-{registration.event.slug}"))
        return links
    paid = Order.objects.filter(registration=registration, paid_at__isnull=False).order_by("pk")
    return [(_("Receipt"), reverse("payments:receipt", args=[o.pk]))
            for o in (paid.filter(rider_id=viewer) if viewer is not None else paid)]


@receiver(history_rows, dispatch_uid="payments.history_rows")
def money_history(sender: type, *, registration: Registration, **kwargs: Any) -> list:
    """The seat's orders' and refunds' moves, for the organizer's history of a registration."""
    orders = {o.pk: o for o in Order.objects.filter(registration=registration)}
    refunds = dict(Refund.objects.filter(order_id__in=list(orders)).values_list("pk", "amount_fen"))
    rows = [history_row(change, Order, _("Order #%(n)s (¥%(amount)s)")
                        % {"n": change.object_id, "amount": yuan(orders[change.object_id].amount_fen)})
            for change in StatusChange.objects.filter(subject="payments.order",
                                                      object_id__in=list(orders)).select_related("by")]
    rows += [history_row(change, Refund, _("Refund ¥%(amount)s") % {"amount": yuan(refunds[change.object_id])})
             for change in StatusChange.objects.filter(subject="payments.refund",
                                                       object_id__in=list(refunds)).select_related("by")]
    return rows


@receiver(organizer_links, dispatch_uid="payments.organizer_links")
def payments_links(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str]]:
    if not event.categories.filter(fee_fen__gt=0).exists():
        return []
    return [(_("Payments and refunds"), reverse("payments:event", args=[event.slug])),
            (_("Unpaid seats"), reverse("payments:unpaid", args=[event.slug]))]


@receiver(organizer_figures, dispatch_uid="payments.organizer_figures")
def money_figures(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str, str]]:
    if not event.categories.filter(fee_fen__gt=0).exists():
        return []
    summary = finance.event_summary(event)
    return [(_("Received"), f"¥{yuan(summary.received_fen)}", "money-received"),
            (_("Refunded"), f"¥{yuan(summary.refunded_fen)}", "money-refunded"),
            (_("Net"), f"¥{yuan(summary.net_fen)}", "money-net")]


def _when(value: Any, event: Event) -> str:
    return times.when(value, event)


@receiver(event_notes, dispatch_uid="payments.refund_policy_notes")
def refund_policy_notes(sender: type, *, event: Event, registration: Registration | None = None,
                  **kwargs: Any) -> list[str]:
    """The refund policy in words, where the event charges (and, for a paid rider, what
    withdrawing now gives back)."""
    if not event.categories.filter(fee_fen__gt=0).exists():
        return []
    policy = payment_settings_of(event)
    parts = []
    if policy.refund_full_until:
        parts.append(_("full refund until %(date)s") % {"date": _when(policy.refund_full_until, event)})
    if policy.refund_part_until:
        parts.append(_("%(percent)s%% back until %(date)s") % {"percent": policy.refund_part_percent,
                                                               "date": _when(policy.refund_part_until, event)})
    lines = [_("Refunds if you withdraw: %(rules)s; none after.") % {"rules": "; ".join(parts)} if parts
             else _("Entry fees are not refunded if you withdraw.")]
    lines.append(_("If the organizer cancels the event, everyone is refunded in full."))
    if registration is not None:
        paid = services.kept_fen(registration=registration)
        if paid and registration.status in Registration.ACTIVE:
            lines.append(_("If you withdraw now you get ¥%(amount)s back.")
                         % {"amount": yuan(services.refund_by_policy(event, paid))})
    return lines


MY_ORDERS = 5  # orders shown on /me/ (all of them on the orders page)


@receiver(own_profile_sections, dispatch_uid="payments.my_orders")
def my_orders(sender: Any, *, user: Any, **kwargs: Any) -> str:
    """The rider's latest orders on /me/: what is still to pay and the receipts of what was paid."""
    return render_to_string("payments/_my_orders.html", {"orders": list(orders_of(rider=user)[:MY_ORDERS])})
