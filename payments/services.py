"""Orders: made when a seat is held for payment, paid by a verified notification, expired by the
job; a payment after expiry takes a free seat or is refunded. Every write locks the order row
first (then, through events, the category), so a notification and the expiry job on the same
order have exactly one outcome."""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from events import services as events_services
from events.models import Registration
from payments import providers
from payments.models import Order, Payment, Refund

log = logging.getLogger(__name__)


def order_for_seat(*, registration: Registration, amount_fen: int, deadline: datetime.datetime) -> Order:
    """The order for a held seat, in the transaction that holds it (the price is the category's)."""
    return Order.objects.create(rider_id=registration.rider_id, registration=registration, amount_fen=amount_fen,
                                expires_at=deadline)


def payment_record(*, order_id: int, provider: str, txn: str, amount_fen: int, currency: str,
                   raw: dict) -> Order:
    """A verified notification: money for an order. The same notification twice changes nothing;
    a wrong amount, currency or an unknown order is refused with nothing changed."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise ServiceError(_("No such order."), "order")
        if amount_fen != order.amount_fen or currency != order.currency:
            raise ServiceError(_("The amount paid does not match the order."), "amount")
        try:
            with transaction.atomic():
                Payment.objects.create(order=order, provider=provider, provider_txn_id=txn, amount_fen=amount_fen,
                                       raw=raw)
        except IntegrityError:
            return order  # a replay: recorded before
        if order.status == Order.Status.PAID:  # a second, different payment for a paid order: give it back
            Refund.objects.create(order=order, provider=provider, amount_fen=amount_fen,
                                  reason="paid twice", status=_refund_status(provider))
            return order
        # a payment before the expiry job ran keeps the held seat; after it, only a free seat
        seated = events_services.registration_paid(registration_id=order.registration_id)
        if seated:
            order.status, order.paid_at = Order.Status.PAID, timezone.now()
        else:
            Refund.objects.create(order=order, provider=provider, amount_fen=amount_fen,
                                  reason="paid after the seat was released, none left", status=_refund_status(provider))
            order.status = Order.Status.REFUNDED
        order.save(update_fields=["status", "paid_at"])
        return order


def _refund_status(provider: str) -> str:
    # the development gateway refunds at once; real providers confirm by notification or query
    return Refund.Status.SUCCEEDED if provider == providers.DEV else Refund.Status.REQUESTED


def dev_notification(*, body: bytes, signature: str) -> Order:
    """The development gateway's notification: verified, then recorded like any provider's."""
    data = providers.dev_verify(body, signature)
    return payment_record(order_id=data["order"], provider=providers.DEV, txn=data["txn"],
                          amount_fen=data["amount_fen"], currency=data["currency"], raw=data)


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
                .values_list("pk", "registration_id"))
            if not batch:
                continue
            Order.objects.filter(pk__in=[pk for pk, _reg in batch]).update(status=Order.Status.EXPIRED)
            events_services.registrations_payment_lapsed(
                registration_ids=[reg for _pk, reg in batch if reg is not None])
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
