"""Orders: made when a seat is held for payment (or for a club's dues, or a category switch's price
difference), paid by a verified notification, expired by the job; a payment after expiry takes a
free seat or is refunded. Refunds go back through the provider that took the money and are
followed until it says they arrived. Every write locks the order row first (then, through
events, the category), so a notification and the expiry job on the same order have exactly one
outcome."""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core import transitions
from core.errors import ServiceError
from core.queue import task_queue_on_commit
from events import services as events_services
from events.models import Category, Event, Registration
from payments import providers
from payments.models import EventPayment, Order, Payment, Refund
from payments.signals import dues_paid

log = logging.getLogger(__name__)
LOCAL_REFUNDERS = (providers.DEV, providers.OFFLINE)  # refunds settled without a network call


def order_move(order: Order, to: str, *, by: Any = None, why: str = "", fields: list[str] | tuple = ()) -> bool:
    """The one door through which an order changes status (Order.TRANSITIONS; recorded). Closing
    an order a rider may still be paying (pending: cancelled or expired) closes its trade with the
    provider after commit, so the QR or page they have stops taking money."""
    was = order.status
    moved = transitions.move(order, to, table=Order.TRANSITIONS, by=by, why=why, fields=fields)
    if moved and was == Order.Status.PENDING and to in (Order.Status.CANCELLED, Order.Status.EXPIRED):
        _trade_close_on_commit(order.pk, order.provider)
    if moved and was == Order.Status.PENDING and order.group_id is not None:
        # a member paid alone or closed: the group's payment no longer matches its seats, closed too
            group = Order.objects.select_for_update().get(pk=order.group_id)
            if group.status == Order.Status.PENDING:
                order_move(group, Order.Status.CANCELLED, by=by, why="a seat of the group changed")
    return moved


def refund_move(refund: Refund, to: str, *, why: str = "", fields: list[str] | tuple = ()) -> bool:
    return transitions.move(refund, to, table=Refund.TRANSITIONS, why=why, fields=fields)


def _trade_close_on_commit(order_id: int, provider: str) -> None:
    """A trade the rider may still pay at WeChat Pay or Alipay is closed after commit."""
    if provider and provider not in LOCAL_REFUNDERS:
        task_queue_on_commit("payments.close_trade", order_id)


def _order_made(order: Order, *, by: Any = None, why: str = "") -> Order:
    transitions.created(order, table=Order.TRANSITIONS, by=by, why=why)
    return order


def _seat_description(registration: Registration) -> str:
    return f"{registration.event.title} · {registration.category.name}"[:120]


def seat_payer_id(registration: Registration) -> int:
    """Who pays for a seat: the rider, or the guardian who answers for a companion."""
    return registration.rider.guardian_id or registration.rider_id


def order_for_seat(*, registration: Registration, amount_fen: int, deadline: datetime.datetime) -> Order:
    """The order for a held seat, in the transaction that holds it (its locks taken by events)."""
    order = Order.objects.create(rider_id=seat_payer_id(registration), registration=registration,
                                 amount_fen=amount_fen, expires_at=deadline,
                                 description=_seat_description(registration))
    return _order_made(order, why="seat held for payment")


def order_create(*, rider: Any, kind: str, amount_fen: int, description: str, subject_id: int | None = None,
                 registration: Registration | None = None, minutes: int = 30, return_path: str = "") -> Order:
    """An order for something other than a held seat: a club's dues period, a category switch's
    price difference. An unpaid one for the same thing is reused (one to pay, not several)."""
    if amount_fen <= 0:
        raise ServiceError(_("There is nothing to pay."), "amount")
    deadline = timezone.now() + datetime.timedelta(minutes=minutes)
    with transaction.atomic():
        if registration is not None:
            events_services.lock_seat(registration, also=[subject_id] if kind == Order.Kind.SWITCH and subject_id
                                      else [])
        same = Order.objects.select_for_update().filter(rider=rider, kind=kind, subject_id=subject_id,
                                                        registration=registration, status=Order.Status.PENDING)
        for order in same:
            if order.amount_fen == amount_fen and order.expires_at > timezone.now():
                return order
            order_move(order, Order.Status.CANCELLED, by=rider, why="made again")
        order = Order.objects.create(rider=rider, kind=kind, subject_id=subject_id, registration=registration,
                                     amount_fen=amount_fen, expires_at=deadline, description=description[:120],
                                     return_path=return_path)
        return _order_made(order, by=rider, why=kind)


def _lock_order(order_id: int) -> Order | None:
    """Take the locks of the lock order (docs/registration.md) for an order: its seat's categories
    and registration first (through events), then the order row."""
    row = Order.objects.filter(pk=order_id).values_list("registration_id", "kind", "subject_id").first()
    if row is None:
        return None
    registration_id, kind, subject_id = row
    if registration_id is not None:
        events_services.lock_seat(Registration(pk=registration_id),
                                  also=[subject_id] if kind == Order.Kind.SWITCH and subject_id else [])
    elif kind == Order.Kind.GROUP:  # every member's seat, then the group and member orders
        events_services.seats_lock(registration_ids=list(
            Order.objects.filter(group_id=order_id).values_list("registration_id", flat=True)))
        list(Order.objects.select_for_update().filter(group_id=order_id).order_by("pk").values_list("pk"))
    return Order.objects.select_for_update(of=("self",)).select_related("registration").get(pk=order_id)


def payment_record(*, order_id: int, provider: str, txn: str, amount_fen: int, currency: str,
                   raw: dict) -> Order:
    """A verified notification (or query): money for an order. The same notification twice changes
    nothing; a wrong amount, currency, an unknown order or a transaction already recorded for
    another order is refused with nothing changed. Money for an order that can no longer be
    fulfilled (cancelled, superseded, its seat withdrawn, transferred or gone, paid already) goes
    back; money for an order that merely expired takes what is still free."""
    with transaction.atomic():
        order = _lock_order(order_id)
        if order is None:
            raise ServiceError(_("No such order."), "order")
        if amount_fen != order.amount_fen or currency != order.currency:
            raise ServiceError(_("The amount paid does not match the order."), "amount")
        known = Payment.objects.filter(provider=provider, provider_txn_id=txn).first()
        if known is not None:
            if known.order_id != order.pk:
                raise ServiceError(_("This payment belongs to another order."), "txn_other_order", http_status=409)
            return order  # a replay: recorded before
        try:
            with transaction.atomic():
                payment = Payment.objects.create(order=order, provider=provider, provider_txn_id=txn,
                                                 amount_fen=amount_fen, raw=raw)
        except IntegrityError as exc:  # the same transaction recorded for another order meanwhile
            raise ServiceError(_("This payment belongs to another order."), "txn_other_order",
                               http_status=409) from exc
        if order.kind == Order.Kind.GROUP and order.status == Order.Status.PENDING:
            order.paid_at = timezone.now()
            order_move(order, Order.Status.PAID, why=f"paid ({provider})", fields=["paid_at"])
            for member in Order.objects.filter(group=order).order_by("pk"):  # each seat its share
                _payment_apply(member, Payment.objects.create(
                    order=member, provider=provider, via=payment, provider_txn_id=f"{txn}/{member.pk}"[:64],
                    amount_fen=member.amount_fen, raw={"group_order": order.pk}), why="paid with its group")
            return order
        _payment_apply(order, payment, why=f"paid ({provider})")
        order.refresh_from_db()
        return order


def _payment_apply(order: Order, payment: Payment, *, why: str) -> None:
    """Money recorded for an order (locks held): what was paid for is given (an order that merely
    expired takes what is still free), or the order is closed and the money goes back."""
    if order.status in (Order.Status.PENDING, Order.Status.EXPIRED) and _fulfil(
            order, late=order.status == Order.Status.EXPIRED):
        order.paid_at = timezone.now()
        order_move(order, Order.Status.PAID, why=why, fields=["paid_at"])
        return
    if order.status == Order.Status.PENDING:  # nothing left to give: closed, and the money goes back
        order_move(order, Order.Status.CANCELLED, why="paid, but the seat is no longer there")
    reason = ("paid twice" if order.status in Order.FULFILLED
              else "paid for an order that can no longer be fulfilled")
    _refund_add(order, payment, payment.amount_fen, reason)


def group_order_create(*, payer: Any, event: Event) -> Order:
    """One payment for several seats (a family's, paid by the adult): the payer's unpaid seat
    orders of the event become members of a group order for their sum, payable until the first
    of their deadlines. An unpaid group for exactly these orders is reused."""
    now = timezone.now()
    with transaction.atomic():
        mine = Order.objects.filter(rider=payer, kind=Order.Kind.REGISTRATION, status=Order.Status.PENDING,
                                    registration__event=event, expires_at__gt=now)
        events_services.seats_lock(registration_ids=list(mine.values_list("registration_id", flat=True)))
        members = list(mine.select_for_update(of=("self",)).order_by("pk"))
        if len(members) < 2:
            raise ServiceError(_("There are not several seats to pay for together."), "group")
        groups = {m.group_id for m in members if m.group_id is not None}
        if len(groups) == 1 and all(m.group_id for m in members):
            group = Order.objects.select_for_update().get(pk=next(iter(groups)))
            if group.status == Order.Status.PENDING and group.members.count() == len(members):
                return group
        for stale in Order.objects.select_for_update().filter(pk__in=groups,
                                                              status=Order.Status.PENDING):
            order_move(stale, Order.Status.CANCELLED, by=payer, why="made again with other seats")
        group = Order.objects.create(
            rider=payer, kind=Order.Kind.GROUP, amount_fen=sum(m.amount_fen for m in members),
            expires_at=min(m.expires_at for m in members),
            description=(_("%(event)s · %(n)s seats") % {"event": event.title, "n": len(members)})[:120])
        _order_made(group, by=payer, why="several seats in one payment")
        Order.objects.filter(pk__in=[m.pk for m in members]).update(group=group)
        return group


def _fulfil(order: Order, *, late: bool) -> bool:
    """Give the rider what they paid for; False when it is no longer there (the caller refunds).
    The seat's locks are held (payment_record)."""
    if order.kind == Order.Kind.DUES:
        dues_paid.send(sender=Order, order=order)
        return True
    registration = order.registration
    if registration is None:
        return False
    if seat_payer_id(registration) != order.rider_id:
        return False  # the seat went to someone else (their own order is the one to pay)
    if order.kind == Order.Kind.SWITCH:
        category = Category.objects.filter(pk=order.subject_id or 0, event_id=registration.event_id).first()
        if category is None:
            return False
        try:
            with transaction.atomic():
                events_services.registration_change_category(registration=registration, category=category,
                                                             settled=True, by=order.rider)
        except ServiceError:
            return False  # full by now, closed, or the registration was cancelled
        return Registration.objects.filter(pk=registration.pk, category=category,
                                           status=Registration.Status.CONFIRMED).exists()
    return events_services.registration_paid(registration_id=registration.pk, late=late)


def dev_notification(*, body: bytes, signature: str) -> Order:
    """The development gateway's notification: verified, then recorded like any provider's."""
    data = providers.dev_verify(body, signature)
    return payment_record(order_id=data["order"], provider=providers.DEV, txn=data["txn"],
                          amount_fen=data["amount_fen"], currency=data["currency"], raw=data)


def notification_receive(*, code: str, request: HttpRequest) -> Order | Refund | None:
    """A provider's notification: verified by the provider, then recorded. Refused (ServiceError)
    with nothing changed when its signature, merchant, order or amount does not match."""
    provider = providers.get(code)
    if provider is None:
        raise ServiceError(_("This payment method is not switched on."), "provider", http_status=404)
    notice = provider.notification(request)
    return notice_record(code=code, notice=notice)


def notice_record(*, code: str, notice: providers.Notice) -> Order | Refund | None:
    from payments.providers.base import order_id_of  # noqa: PLC0415

    if notice.kind == "ignore":
        return None
    order_id = order_id_of(notice.trade_no)
    if order_id is None:
        raise ServiceError(_("No such order."), "order")
    if notice.kind == "refund":
        return refund_notice(order_id=order_id, notice=notice)
    return payment_record(order_id=order_id, provider=code, txn=notice.txn, amount_fen=notice.amount_fen,
                          currency=notice.currency, raw=notice.raw)


def pay_start(*, order: Order, code: str, channel: str, client_ip: str, return_url: str,
              openid: str = "") -> providers.Start:
    """Start paying an order with one of the event's providers (the price is the order's)."""
    if order.shown_status != Order.Status.PENDING:
        raise ServiceError(_("This order is no longer waiting for payment."), "order_closed")
    if code not in methods_for(order):
        raise ServiceError(_("This payment method is not offered for this order."), "provider")
    provider = providers.get(code)
    if provider is None:  # methods_for lists configured ones only
        raise ServiceError(_("This payment method is not switched on."), "provider")
    Order.objects.filter(pk=order.pk).update(provider=code)
    return provider.start(order, channel=channel, client_ip=client_ip, return_url=return_url, openid=openid)


def methods_for(order: Order) -> list[str]:
    """The providers a rider may pay this order with: those configured, narrowed by the event."""
    codes = list(providers.configured())
    event_id = (order.registration.event_id if order.registration_id and order.registration
                else order.members.values_list("registration__event_id", flat=True).first())  # a group: its seats
    chosen = EventPayment.objects.filter(event_id=event_id).values_list("providers", flat=True).first() \
        if event_id else None
    if chosen:
        codes = [c for c in codes if c in chosen or c == providers.DEV]
    return codes


def order_check(*, order: Order) -> Order:
    """"I have paid": ask the provider the rider started with, in case its notification is late
    (a POST: recording what the provider says is a write)."""
    order.refresh_from_db()
    provider = providers.get(order.provider) if order.provider else None
    if order.status in (Order.Status.PENDING, Order.Status.EXPIRED) and provider is not None:
        notice = provider.query(order)
        if notice is not None and notice.kind == "payment":
            notice_record(code=order.provider, notice=notice)
            order.refresh_from_db()
    return order


def trade_close(*, order_id: int) -> bool:
    """Close an order's trade with its provider (the task queued when a pending order is cancelled
    or expires): a rider who still has its QR or page can no longer pay it. Outside any
    transaction (a network call); a provider that is down leaves it open, and money that still
    arrives is refunded by payment_record."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status == Order.Status.PENDING or not order.provider:
        return False
    provider = providers.get(order.provider)
    if provider is None:
        return False
    try:
        provider.close(order)
    except ServiceError:
        log.warning("trade of order %s could not be closed now", order_id)
        return False
    return True


EXPIRE_BATCH = 500  # orders per transaction of the expiry job


def dev_pay(*, order: Order) -> Order:
    """Pay an order on the development gateway: a notification signed as the gateway signs it,
    through the same verification and recording as any provider's (the pay page and the API)."""
    body, signature = providers.dev_sign({"order": order.pk, "txn": uuid.uuid4().hex,
                                          "amount_fen": order.amount_fen, "currency": order.currency})
    return dev_notification(body=body, signature=signature)


def orders_expire(*, now: datetime.datetime | None = None, ids: list[int] | None = None) -> int:
    """Expire every pending order past its deadline (or just these), in batches: each batch takes
    the lock order (the seats' categories and registrations, then the orders; SKIP LOCKED: an order
    being paid right now is left to its payment), marks them expired and releases their seats in
    one go (to the next on the waitlist as offers). Returns how many expired."""
    now = now or timezone.now()
    expired = 0
    due = Order.objects.filter(status=Order.Status.PENDING, expires_at__lt=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    pks = list(due.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), EXPIRE_BATCH):
        with transaction.atomic():
            chunk = pks[start:start + EXPIRE_BATCH]
            events_services.seats_lock(registration_ids=list(
                Order.objects.filter(pk__in=chunk, registration__isnull=False).values_list("registration_id",
                                                                                           flat=True)))
            batch = list(Order.objects.select_for_update(skip_locked=True).filter(
                pk__in=chunk, status=Order.Status.PENDING, expires_at__lt=now).order_by("pk")
                .values_list("pk", "registration_id", "kind", "provider"))
            if not batch:
                continue
            transitions.moves(Order.objects.filter(pk__in=[pk for pk, *_rest in batch]), Order.Status.EXPIRED,
                              table=Order.TRANSITIONS, why="not paid in time")
            for pk, _reg, _kind, provider in batch:
                _trade_close_on_commit(pk, provider)
            events_services.registrations_payment_lapsed(  # a held seat goes back; a switch or dues just lapse
                registration_ids=[reg for _pk, reg, kind, _p in batch
                                  if reg is not None and kind == Order.Kind.REGISTRATION])
            expired += len(batch)
    return expired


def payment_offline(*, order: Order, by: Any) -> Order:
    """An organizer records money taken on site or by bank transfer (who and when are kept)."""
    stamp = timezone.now()
    return payment_record(order_id=order.pk, provider="offline", txn=f"offline-{order.pk}",
                          amount_fen=order.amount_fen, currency=order.currency,
                          raw={"by": by.pk, "at": stamp.isoformat()})


# -- refunds ---------------------------------------------------------------------------------

ORDER_OF_STATUS: dict[str, int] = {Refund.Status.REQUESTED: 0, Refund.Status.PROCESSING: 1, Refund.Status.SUCCEEDED: 2,
                   Refund.Status.FAILED: 2}  # a refund's status only moves forward


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


def _refund_add(order: Order, payment: Payment | None, amount_fen: int, reason: str, by: Any = None) -> Refund:
    """A refund row in the caller's transaction (order locked); it goes to the provider after
    commit (local ones are settled at once)."""
    payment = payment or order.payments.order_by("-amount_fen", "pk").first()
    if payment is None:
        raise ServiceError(_("Nothing was paid for this order."), "refund")
    refund = Refund.objects.create(order=order, payment=payment, provider=payment.provider, amount_fen=amount_fen,
                                   reason=reason[:200], requested_by=by)
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
        if ORDER_OF_STATUS[outcome.status] < ORDER_OF_STATUS[refund.status] or (refund.status in (
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


def payment_settings_update(*, event: Event, **fields: Any) -> EventPayment:
    """An event's payment methods and refund policy (the organizer's payments page)."""
    settings_row, _created = EventPayment.objects.update_or_create(event=event, defaults=fields)
    return settings_row


def refund_policy(event: Event) -> EventPayment:
    return EventPayment.objects.filter(event=event).first() or EventPayment(event=event)


def refund_by_policy(event: Event, paid_fen: int, now: datetime.datetime | None = None) -> int:
    """What a rider who withdraws now gets back of ``paid_fen``: all until the first date, the
    percentage until the second, nothing after (and nothing without a policy)."""
    now = now or timezone.now()
    policy = refund_policy(event)
    if policy.refund_full_until and now <= policy.refund_full_until:
        return paid_fen
    if policy.refund_part_until and now <= policy.refund_part_until:
        return paid_fen * policy.refund_part_percent // 100
    return 0


def _close_pending(orders: Any, *, why: str, by: Any = None) -> int:
    """Cancel unpaid orders (rows locked here, after the seat's locks): their trades close after commit."""
    closed = 0
    for order in orders.select_for_update().filter(status=Order.Status.PENDING).order_by("pk"):
        closed += order_move(order, Order.Status.CANCELLED, by=by, why=why)
    return closed


def kept_fen(*, registration: Registration) -> int:
    """Money kept for a seat: every payment for its orders less refunds not failed."""
    paid = Payment.objects.filter(order__registration=registration).aggregate(s=Sum("amount_fen"))["s"] or 0
    back = (Refund.objects.filter(order__registration=registration).exclude(status=Refund.Status.FAILED)
            .aggregate(s=Sum("amount_fen"))["s"] or 0)
    return paid - back


def _refund_kept(registration: Registration, amount_fen: int, reason: str) -> int:
    """Give back `amount_fen` of what was kept for a seat, newest order first; returns what was sent."""
    left = amount_fen
    for order in Order.objects.select_for_update().filter(registration=registration).order_by("-pk"):
        if left <= 0:
            break
        amount = min(left, refundable(order))
        if amount > 0:
            _refund_add(order, None, amount, reason)
            left -= amount
    return amount_fen - left


def registration_withdrawn(*, registration: Registration, by_rider: bool) -> int:
    """A seat was cancelled (in the cancelling transaction, under its locks): its unpaid orders
    are closed; money paid goes back by the event's policy when the rider withdrew (or their
    account went). When an organizer cancels one rider, the organizer decides the refund on the
    payments page. Returns the fen sent back."""
    _close_pending(Order.objects.filter(registration=registration), why="the seat was cancelled")
    if not by_rider:
        return 0
    kept = kept_fen(registration=registration)
    amount = min(refund_by_policy(registration.event, kept), kept)
    return _refund_kept(registration, amount, "withdrawn by the rider (refund policy)") if amount > 0 else 0


def order_transfer(*, registration: Registration, from_rider: Any) -> Order | None:
    """A seat changed hands: what is still owed is the new holder's to pay. The previous holder's
    unpaid orders close (trades too); a new order for the same amount and deadline is the new
    holder's (their guardian's, for a companion). Money already paid stays with the seat."""
    pending = list(Order.objects.select_for_update().filter(registration=registration, status=Order.Status.PENDING,
                                                            kind=Order.Kind.REGISTRATION).order_by("pk"))
    _close_pending(Order.objects.filter(registration=registration), why="the seat was transferred")
    if registration.status != Registration.Status.AWAITING or not pending:
        return None
    old = pending[-1]
    order = Order.objects.create(rider_id=seat_payer_id(registration), registration=registration,
                                 amount_fen=old.amount_fen, expires_at=old.expires_at,
                                 description=_seat_description(registration))
    return _order_made(order, why="seat transferred: owed by the new holder")


def event_refund_all(*, event: Event) -> int:
    """The organizer cancelled the event: every unpaid order is closed, everything kept is
    refunded in full (in the cancelling transaction; refunds go out after commit)."""
    _close_pending(Order.objects.filter(registration__event=event), why="event cancelled")
    count = 0
    for order in Order.objects.select_for_update().filter(registration__event=event).order_by("pk"):
        left = refundable(order)
        if left > 0:
            _refund_add(order, None, left, "event cancelled by the organizer")
            count += 1
    return count


def switch_order(*, registration: Registration, category: Category, amount_fen: int) -> Order:
    """The order for a category switch that costs more than was paid: the rider pays what is due,
    then the switch happens (if the category is full by then, the money goes back)."""
    description = f"{registration.event.title} · {registration.category.name} → {category.name}"
    return order_create(rider=registration.rider, kind=Order.Kind.SWITCH, amount_fen=amount_fen,
                        description=description, subject_id=category.pk, registration=registration)


def registration_repriced(*, registration: Registration, price_fen: int) -> None:
    """A seat now costs `price_fen` in all (a category switch; locks held): unpaid orders for
    anything else are closed; what is due (the price less what was kept) gets a new order while the
    seat waits for payment; a confirmed seat kept for more than its price gets the rest back."""
    paying_this = Order.objects.filter(kind=Order.Kind.SWITCH, subject_id=registration.category_id)
    _close_pending(Order.objects.filter(registration=registration).exclude(pk__in=paying_this.values("pk")),
                   why="category switched")
    kept = kept_fen(registration=registration)
    if registration.status == Registration.Status.AWAITING and price_fen > kept:
        deadline = registration.hold_expires_at or timezone.now() + datetime.timedelta(
            minutes=registration.event.payment_minutes)
        order = Order.objects.create(rider_id=seat_payer_id(registration), registration=registration,
                                     amount_fen=price_fen - kept, expires_at=deadline,
                                     description=_seat_description(registration))
        _order_made(order, why="category switched: the new price")
    elif registration.status == Registration.Status.CONFIRMED and kept > price_fen:
        _refund_kept(registration, kept - price_fen, "switched to a category that costs less")


def fapiao_request(*, order: Order, title: str, taxpayer_id: str, email: str) -> Any:
    """A rider asks for a fapiao for a paid order (one per order; asking again updates it)."""
    from payments.models import FapiaoRequest  # noqa: PLC0415

    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise ServiceError(_("A fapiao can be asked for a paid order only."), "order")
    taxpayer_id = taxpayer_id.strip().upper()
    if taxpayer_id and (len(taxpayer_id) not in (15, 18, 20) or not taxpayer_id.isalnum() or not taxpayer_id.isascii()):
        raise ServiceError(_("A taxpayer id has 15, 18 or 20 letters and digits."), "taxpayer_id")
    request, _created = FapiaoRequest.objects.update_or_create(
        order=order, defaults={"title": title.strip()[:100], "taxpayer_id": taxpayer_id, "email": email.strip()})
    return request



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
