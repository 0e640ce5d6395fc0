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
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.queue import task_queue_on_commit
from events import services as events_services
from events.models import Category, Event, Registration
from payments import providers
from payments.models import EventPayment, Order, Payment, Refund
from payments.signals import dues_paid

log = logging.getLogger(__name__)
LOCAL_REFUNDERS = (providers.DEV, providers.OFFLINE)  # refunds settled without a network call


def _seat_description(registration: Registration) -> str:
    return f"{registration.event.title} · {registration.category.name}"[:120]


def order_for_seat(*, registration: Registration, amount_fen: int, deadline: datetime.datetime) -> Order:
    """The order for a held seat, in the transaction that holds it (the price is the category's)."""
    payer = registration.rider.guardian_id or registration.rider_id  # a companion's guardian pays for them
    return Order.objects.create(rider_id=payer, registration=registration, amount_fen=amount_fen,
                                expires_at=deadline, description=_seat_description(registration))


def order_create(*, rider: Any, kind: str, amount_fen: int, description: str, subject_id: int | None = None,
                 registration: Registration | None = None, minutes: int = 30, return_path: str = "") -> Order:
    """An order for something other than a held seat: a club's dues period, a category switch's
    price difference. An unpaid one for the same thing is reused (one to pay, not several)."""
    if amount_fen <= 0:
        raise ServiceError(_("There is nothing to pay."), "amount")
    deadline = timezone.now() + datetime.timedelta(minutes=minutes)
    with transaction.atomic():
        same = Order.objects.select_for_update().filter(rider=rider, kind=kind, subject_id=subject_id,
                                                        registration=registration, status=Order.Status.PENDING)
        for order in same:
            if order.amount_fen == amount_fen and order.expires_at > timezone.now():
                return order
            order.status = Order.Status.CANCELLED
            order.save(update_fields=["status"])
        return Order.objects.create(rider=rider, kind=kind, subject_id=subject_id, registration=registration,
                                    amount_fen=amount_fen, expires_at=deadline, description=description[:120],
                                    return_path=return_path)


def payment_record(*, order_id: int, provider: str, txn: str, amount_fen: int, currency: str,
                   raw: dict) -> Order:
    """A verified notification (or query): money for an order. The same notification twice changes
    nothing; a wrong amount, currency or an unknown order is refused with nothing changed. Money
    for an order that can no longer be fulfilled (its seat gone, paid twice) goes back."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise ServiceError(_("No such order."), "order")
        if amount_fen != order.amount_fen or currency != order.currency:
            raise ServiceError(_("The amount paid does not match the order."), "amount")
        try:
            with transaction.atomic():
                payment = Payment.objects.create(order=order, provider=provider, provider_txn_id=txn,
                                                 amount_fen=amount_fen, raw=raw)
        except IntegrityError:
            return order  # a replay: recorded before
        if order.status in (Order.Status.PAID, Order.Status.REFUNDED, Order.Status.PARTIALLY_REFUNDED):
            _refund_add(order, payment, amount_fen, "paid twice")  # a second, different payment: give it back
            order.refresh_from_db()
            return order
        if _fulfil(order):
            order.status, order.paid_at = Order.Status.PAID, timezone.now()
            order.save(update_fields=["status", "paid_at"])
        else:  # nothing left to give: the order is closed and the money goes back
            order.paid_at = timezone.now()
            if order.status == Order.Status.PENDING:
                order.status = Order.Status.CANCELLED
            order.save(update_fields=["status", "paid_at"])
            _refund_add(order, payment, amount_fen, "paid after it was released, nothing left to give")
            order.refresh_from_db()
        return order


def _fulfil(order: Order) -> bool:
    """Give the rider what they paid for; False when it is no longer there (the caller refunds)."""
    if order.kind == Order.Kind.DUES:
        dues_paid.send(sender=Order, order=order)
        return True
    if order.kind == Order.Kind.SWITCH:
        category = Category.objects.filter(pk=order.subject_id or 0).first()
        if category is None or order.registration is None:
            return False
        try:
            with transaction.atomic():
                events_services.registration_change_category(registration=order.registration, category=category,
                                                             settled=True)
        except ServiceError:
            return False  # full by now, or the registration was cancelled
        return Registration.objects.filter(pk=order.registration.pk, category=category,
                                           status=Registration.Status.CONFIRMED).exists()
    if order.registration_id is None:
        return False
    return events_services.registration_paid(registration_id=order.registration_id)


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
    order = order_current(order)
    if order.status != Order.Status.PENDING:
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
    event_id = order.registration.event_id if order.registration_id and order.registration else None
    chosen = EventPayment.objects.filter(event_id=event_id).values_list("providers", flat=True).first() \
        if event_id else None
    if chosen:
        codes = [c for c in codes if c in chosen or c == providers.DEV]
    return codes


def order_check(*, order: Order) -> Order:
    """"I have paid": ask the provider the rider started with, in case its notification is late."""
    order = order_current(order)
    provider = providers.get(order.provider) if order.provider else None
    if order.status == Order.Status.PENDING and provider is not None:
        notice = provider.query(order)
        if notice is not None and notice.kind == "payment":
            notice_record(code=order.provider, notice=notice)
            order.refresh_from_db()
    return order


EXPIRE_BATCH = 500  # orders per transaction of the expiry job


def dev_pay(*, order: Order) -> Order:
    """Pay an order on the development gateway: a notification signed as the gateway signs it,
    through the same verification and recording as any provider's (the pay page and the API)."""
    body, signature = providers.dev_sign({"order": order.pk, "txn": uuid.uuid4().hex,
                                          "amount_fen": order.amount_fen, "currency": order.currency})
    return dev_notification(body=body, signature=signature)


def orders_expire(*, now: datetime.datetime | None = None, ids: list[int] | None = None) -> int:
    """Expire every pending order past its deadline (or just these), in batches: each batch locks
    its orders (SKIP LOCKED: an order being paid right now is left to its payment), marks them
    expired and releases their seats in one go (to the next on the waitlist as offers). Returns
    how many expired."""
    now = now or timezone.now()
    expired = 0
    due = Order.objects.filter(status=Order.Status.PENDING, expires_at__lt=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    pks = list(due.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), EXPIRE_BATCH):
        with transaction.atomic():
            batch = list(Order.objects.select_for_update(skip_locked=True).filter(
                pk__in=pks[start:start + EXPIRE_BATCH], status=Order.Status.PENDING, expires_at__lt=now)
                .values_list("pk", "registration_id", "kind"))
            if not batch:
                continue
            Order.objects.filter(pk__in=[pk for pk, _reg, _kind in batch]).update(status=Order.Status.EXPIRED)
            events_services.registrations_payment_lapsed(  # a held seat goes back; a switch or dues just lapse
                registration_ids=[reg for _pk, reg, kind in batch
                                  if reg is not None and kind == Order.Kind.REGISTRATION])
            expired += len(batch)
    return expired


def order_current(order: Order) -> Order:
    """The order as it stands now: one past its deadline is expired on reading (its seat released
    at once), so pages and the API never offer to pay for a seat that is no longer held."""
    if order.status == Order.Status.PENDING and order.expires_at < timezone.now():
        orders_expire(ids=[order.pk])
        order.refresh_from_db()
    return order


def payment_offline(*, order: Order, by: Any) -> Order:
    """An organizer records money taken on site or by bank transfer (who and when are kept)."""
    stamp = timezone.now()
    return payment_record(order_id=order.pk, provider="offline", txn=f"offline-{order.pk}",
                          amount_fen=order.amount_fen, currency=order.currency,
                          raw={"by": by.pk, "by_name": by.public_name, "at": stamp.isoformat()})


# -- refunds ---------------------------------------------------------------------------------

ORDER_OF_STATUS: dict[str, int] = {Refund.Status.REQUESTED: 0, Refund.Status.PROCESSING: 1, Refund.Status.SUCCEEDED: 2,
                   Refund.Status.FAILED: 2}  # a refund's status only moves forward


def refundable(order: Order) -> int:
    """Money received for the order and not yet given back (or on its way back)."""
    paid = order.payments.aggregate(s=Sum("amount_fen"))["s"] or 0
    back = order.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount_fen"))["s"] or 0
    return paid - back


def _settle(order: Order) -> None:
    """The order's status from its ledger once refunds have arrived (order row locked)."""
    paid = order.payments.aggregate(s=Sum("amount_fen"))["s"] or 0
    back = order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(s=Sum("amount_fen"))["s"] or 0
    if not back:
        return
    status = Order.Status.REFUNDED if back >= paid else Order.Status.PARTIALLY_REFUNDED
    if order.status != status:
        order.status = status
        order.save(update_fields=["status"])


def _refund_add(order: Order, payment: Payment | None, amount_fen: int, reason: str, by: Any = None) -> Refund:
    """A refund row in the caller's transaction (order locked); it goes to the provider after
    commit (local ones are settled at once)."""
    payment = payment or order.payments.order_by("-amount_fen", "pk").first()
    if payment is None:
        raise ServiceError(_("Nothing was paid for this order."), "refund")
    refund = Refund.objects.create(order=order, payment=payment, provider=payment.provider, amount_fen=amount_fen,
                                   reason=reason[:200], requested_by=by)
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
        refund.status = outcome.status
        refund.provider_refund_id = outcome.provider_refund_id or refund.provider_refund_id
        refund.error = outcome.error
        if outcome.raw:
            refund.raw = outcome.raw
        refund.save()
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
    refund = Refund.objects.filter(reference=notice.refund_reference, order_id=order_id).first()
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
                Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.REQUESTED)
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


def registration_withdrawn(*, registration: Registration, by_rider: bool) -> list[Refund]:
    """A registration was cancelled (in the cancelling transaction): its unpaid order is
    withdrawn; money paid goes back by the event's policy when the rider withdrew (when an
    organizer cancels one rider, the organizer decides the refund on the payments page)."""
    Order.objects.filter(registration=registration, status=Order.Status.PENDING).update(
        status=Order.Status.CANCELLED)
    if not by_rider:
        return []
    refunds = []
    for order in Order.objects.select_for_update().filter(
            registration=registration, status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED]):
        amount = min(refund_by_policy(registration.event, refundable(order)), refundable(order))
        if amount > 0:
            refunds.append(_refund_add(order, None, amount, "withdrawn by the rider (refund policy)"))
    return refunds


def event_refund_all(*, event: Event) -> int:
    """The organizer cancelled the event: every paid order is refunded in full, every unpaid one
    cancelled (in the cancelling transaction; refunds go out after commit)."""
    Order.objects.filter(registration__event=event, status=Order.Status.PENDING).update(status=Order.Status.CANCELLED)
    count = 0
    for order in Order.objects.select_for_update().filter(
            registration__event=event, status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED]):
        left = refundable(order)
        if left > 0:
            _refund_add(order, None, left, "event cancelled by the organizer")
            count += 1
    return count


def switch_order(*, registration: Registration, category: Category) -> Order:
    """The order for a category switch that costs more: the rider pays the difference, then the
    switch happens (if the category is full by then, the money goes back)."""
    difference = category.fee_fen - registration.category.fee_fen
    description = f"{registration.event.title} · {registration.category.name} → {category.name}"
    return order_create(rider=registration.rider, kind=Order.Kind.SWITCH, amount_fen=difference,
                        description=description, subject_id=category.pk, registration=registration)


def registration_repriced(*, registration: Registration, difference_fen: int) -> None:
    """A switch to a category that costs less (or more, for a seat not yet paid): a paid
    registration gets the difference back; an unpaid one's order is remade at the new price."""
    pending = Order.objects.select_for_update().filter(registration=registration, kind=Order.Kind.REGISTRATION,
                                                       status=Order.Status.PENDING).first()
    if pending is not None:
        pending.status = Order.Status.CANCELLED
        pending.save(update_fields=["status"])
        if registration.status == Registration.Status.AWAITING and registration.category.fee_fen > 0:
            order_for_seat(registration=registration, amount_fen=registration.category.fee_fen,
                           deadline=pending.expires_at)
        return
    if difference_fen < 0:
        left = -difference_fen
        for order in Order.objects.select_for_update().filter(registration=registration,
                                                              status=Order.Status.PAID).order_by("pk"):
            amount = min(left, refundable(order))
            if amount > 0:
                _refund_add(order, None, amount, "switched to a category that costs less")
                left -= amount


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
        refund = refund_create(order=order, amount_fen=amount_fen, reason="refunded by the organizer", by=by)
        if withdraw and order.registration is not None:
            events_services.registration_cancel(registration=order.registration, by_rider=False)
        return refund
