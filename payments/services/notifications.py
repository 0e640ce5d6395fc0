"""Money coming in: a provider's verified notification (or the answer to "I have paid"), the
development gateway's, and money an organizer took on site, each recorded once per transaction
and applied: what was paid for is given, or the order is closed and the money goes back."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from events import services as events_services
from events.models import Category, Registration
from payments import providers
from payments.models import Order, Payment, Refund
from payments.providers.base import order_id_of
from payments.services.orders import _lock_order, order_move, seat_payer_id
from payments.services.refunds import _refund_add, refund_notice
from payments.signals import dues_paid


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
    if notice.kind == "ignore":
        return None
    order_id = order_id_of(notice.trade_no)
    if order_id is None:
        raise ServiceError(_("No such order."), "order")
    if notice.kind == "refund":
        return refund_notice(order_id=order_id, notice=notice)
    return payment_record(order_id=order_id, provider=code, txn=notice.txn, amount_fen=notice.amount_fen,
                          currency=notice.currency, raw=notice.raw)


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


def dev_pay(*, order: Order) -> Order:
    """Pay an order on the development gateway: a notification signed as the gateway signs it,
    through the same verification and recording as any provider's (the pay page and the API)."""
    body, signature = providers.dev_sign({"order": order.pk, "txn": uuid.uuid4().hex,
                                          "amount_fen": order.amount_fen, "currency": order.currency})
    return dev_notification(body=body, signature=signature)


def payment_offline(*, order: Order, by: Any) -> Order:
    """An organizer records money taken on site or by bank transfer (who and when are kept)."""
    stamp = timezone.now()
    return payment_record(order_id=order.pk, provider="offline", txn=f"offline-{order.pk}",
                          amount_fen=order.amount_fen, currency=order.currency,
                          raw={"by": by.pk, "at": stamp.isoformat()})
