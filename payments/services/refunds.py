"""Refunds: money goes back through the provider that took it (local ones settle at once, the
others after commit), is followed until the provider says it arrived, and settles the order's
status from its ledger; an organizer's refund (with or without withdrawing the entry) and a
failed refund tried again."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core import transitions
from core.errors import ServiceError
from core.queue import task_queue_on_commit
from events import services as events_services
from events.models import Registration
from payments import providers
from payments.models import Order, OrderLine, Payment, Refund
from payments.services.orders import LOCAL_REFUNDERS, order_move

REFUND_PROGRESS: dict[str, int] = {Refund.Status.REQUESTED: 0, Refund.Status.PROCESSING: 1, Refund.Status.SUCCEEDED: 2,
                   Refund.Status.FAILED: 2}  # a refund's status only moves forward


def refund_move(refund: Refund, to: str, *, why: str = "", fields: list[str] | tuple = ()) -> bool:
    return transitions.move(refund, to, table=Refund.TRANSITIONS, why=why, fields=fields)


def refundable(order: Order) -> int:
    """Money received for the order and not yet given back (or on its way back)."""
    paid = order.payments.aggregate(s=Sum("amount_fen"))["s"] or 0
    back = order.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount_fen"))["s"] or 0
    return paid - back


def _settle(order: Order) -> None:
    """The order's status from its ledger once refunds have arrived (order row locked): what is
    kept (received less refunded) against the price. A fulfilled order keeping its whole price
    reads as paid (a duplicate payment given back changes nothing), less as partly refunded,
    nothing as refunded; an order closed unpaid whose late money went back reads as refunded."""
    paid = order.payments.aggregate(s=Sum("amount_fen"))["s"] or 0
    back = order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(s=Sum("amount_fen"))["s"] or 0
    if not back:
        return
    kept = paid - back
    if order.status in Order.FULFILLED:
        status = (Order.Status.PAID if kept >= order.amount_fen
                  else Order.Status.PARTIALLY_REFUNDED if kept > 0 else Order.Status.REFUNDED)
    elif kept <= 0:
        status = Order.Status.REFUNDED
    else:
        return
    order_move(order, status, why="refund arrived")


def _refund_add(order: Order, payment: Payment | None, amount_fen: int, reason: str, by: Any = None,
                line: OrderLine | None = None) -> Refund:
    """A refund row in the caller's transaction (order locked); it goes to the provider after
    commit (local ones are settled at once)."""
    payment = payment or order.payments.order_by("-amount_fen", "pk").first()
    if payment is None:
        raise ServiceError(_("Nothing was paid for this order."), "refund")
    refund = Refund.objects.create(order=order, payment=payment, provider=payment.provider, amount_fen=amount_fen,
                                   reason=reason[:200], requested_by=by, line=line)
    transitions.created(refund, table=Refund.TRANSITIONS, by=by, why=reason)
    if payment.provider in LOCAL_REFUNDERS:
        refund = refund_apply(refund=refund, outcome=providers.refunder(payment.provider).refund(refund, payment))
    else:
        task_queue_on_commit("payments.send_refund", refund.pk)
    return refund


def refund_create(*, order: Order, amount_fen: int, reason: str, by: Any = None) -> Refund:
    """Give back part or all of what was paid for an order (never more than is left)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        left = refundable(order)
        if amount_fen <= 0 or amount_fen > left:
            raise ServiceError(_("You can refund between ¥0.01 and ¥%(left)s for this order.")
                               % {"left": f"{left / 100:.2f}"}, "amount")
        return _refund_add(order, None, amount_fen, reason, by)


def refund_apply(*, refund: Refund, outcome: providers.RefundOutcome) -> Refund:
    """What the provider said about a refund; a status never moves back (a notice may come
    before the answer to our request)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if REFUND_PROGRESS[outcome.status] < REFUND_PROGRESS[refund.status] or (refund.status in (
                Refund.Status.SUCCEEDED, Refund.Status.FAILED) and outcome.status != refund.status):
            return refund
        refund.provider_refund_id = outcome.provider_refund_id or refund.provider_refund_id
        refund.error = outcome.error
        if outcome.raw:
            refund.raw = outcome.raw
        refund_move(refund, outcome.status, why=outcome.error or "provider answered",
                    fields=["provider_refund_id", "error", "raw", "updated_at"])
        _settle(order)
    return refund


def refund_send(*, refund_id: int) -> Refund | None:
    """Send a requested refund to the provider that took the money (outside any transaction: a
    network call); what it answers is recorded, a provider that is down leaves it for the job."""
    refund = Refund.objects.select_related("order", "payment").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.REQUESTED or refund.payment is None:
        return refund
    provider = providers.refunder(refund.provider)
    if provider is None:
        return refund_apply(refund=refund, outcome=providers.RefundOutcome(
            "failed", error=_("%(provider)s is not switched on here.")
            % {"provider": providers.label(refund.provider)}))
    return refund_apply(refund=refund, outcome=provider.refund(refund, refund.payment))


def refund_retry(*, refund: Refund, by: Any) -> Refund:
    """An organizer tries a failed refund again: a new refund row for the same amount."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        refund = Refund.objects.get(pk=refund.pk)
        if refund.status != Refund.Status.FAILED:
            raise ServiceError(_("Only a failed refund can be tried again."), "refund")
        if refundable(order) < refund.amount_fen:
            raise ServiceError(_("This money has been given back already."), "refund")
        return _refund_add(order, refund.payment, refund.amount_fen, refund.reason, by)


def refund_notice(*, order_id: int, notice: providers.Notice) -> Refund:
    """A provider's notice about one of our refunds. One we do not know (yet) is refused, so the
    provider sends it again later; nothing changes."""
    refund = (Refund.objects.filter(reference=notice.refund_reference)
              .filter(Q(order_id=order_id) | Q(payment__via__order_id=order_id)).first())
    if refund is None:
        raise ServiceError(_("No such refund."), "refund")
    if notice.amount_fen != refund.amount_fen:
        raise ServiceError(_("The amount refunded does not match."), "amount")
    return refund_apply(refund=refund, outcome=providers.RefundOutcome(
        notice.refund_status, provider_refund_id=notice.refund_id, raw=notice.raw))


def refunds_follow() -> dict[str, int]:
    """The beat job: send refunds still requested (their provider was down), ask about those the
    provider is still processing. Returns how many of each it handled."""
    sent = asked = 0
    processing = list(Refund.objects.filter(status=Refund.Status.PROCESSING).select_related("order")[:200])
    for pk in Refund.objects.filter(status=Refund.Status.REQUESTED).values_list("pk", flat=True)[:200]:
        refund_send(refund_id=pk)
        sent += 1
    for refund in processing:
        provider = providers.refunder(refund.provider)
        if provider is not None:
            outcome = provider.refund_query(refund)
            if outcome.status == Refund.Status.REQUESTED:  # the provider never got it: send again
                with transaction.atomic():
                    again = Refund.objects.select_for_update().get(pk=refund.pk)
                    refund_move(again, Refund.Status.REQUESTED, why="the provider never got it")
                refund_send(refund_id=refund.pk)
            else:
                refund_apply(refund=refund, outcome=outcome)
            asked += 1
    return {"sent": sent, "asked": asked}


def organizer_refund(*, order: Order, amount_fen: int, withdraw: bool, by: Any) -> Refund:
    """An organizer gives money back (any amount up to what is left) and, if asked, withdraws the
    entry too (its seat goes to the waitlist; no second refund by the policy)."""
    with transaction.atomic():
        if order.registration_id is not None:  # the lock order: the seat before its orders
            events_services.lock_seat(Registration(pk=order.registration_id))
        refund = refund_create(order=order, amount_fen=amount_fen, reason="refunded by the organizer", by=by)
        if withdraw and order.registration is not None:
            events_services.registration_cancel(registration=order.registration, by_rider=False, by=by,
                                                why="withdrawn by the organizer with a refund")
        return refund


def line_refund(*, registration: Registration, kind: str, subject_id: int, amount_fen: int, by: Any = None) -> int:
    """Give back one line of a paid entry alone (an add-on the organizer took back), at most what was
    paid for it and what the order still holds; the seat's locks are the caller's. Returns the fen."""
    line = (OrderLine.objects.filter(order__registration=registration, order__status__in=Order.FULFILLED, kind=kind,
                                     subject_id=subject_id).order_by("-order_id").first())
    if line is None:
        return 0
    order = Order.objects.select_for_update().get(pk=line.order_id)
    amount = min(amount_fen, line.amount_fen, refundable(order))
    if amount <= 0:
        return 0
    _refund_add(order, None, amount, f"{line.description}: taken back by the organizer", by=by, line=line)
    return amount
