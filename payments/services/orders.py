"""Orders: the one door for an order's status (order_move), orders for held seats, for dues and
switches (one unpaid order per thing), group orders for several seats, starting a payment with a
provider, closing a provider's trade, and the expiry job. Every write takes the lock order
(docs/registration.md): the seat's categories and registration (through events), then the order."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import prepared, transitions
from core.errors import ServiceError
from core.queue import task_queue_on_commit
from events import services as events_services
from events.models import Event, Registration
from payments import providers
from payments.models import EventPayment, Order, OrderLine
from payments.services import held
from payments.services.held import order_lines, seat_description, seat_payer_id

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


def _trade_close_on_commit(order_id: int, provider: str) -> None:
    """A trade the rider may still pay at WeChat Pay or Alipay is closed after commit."""
    if provider and provider not in LOCAL_REFUNDERS:
        task_queue_on_commit("payments.close_trade", order_id)


def _order_made(order: Order, *, by: Any = None, why: str = "") -> Order:
    transitions.created(order, table=Order.TRANSITIONS, by=by, why=why)
    OrderLine.objects.bulk_create([
        OrderLine(order=order, kind=line.kind, description=line.description, description_en=line.description_en,
                  amount_fen=line.amount_fen, subject_id=line.subject_id, position=position)
        for position, line in enumerate(order_lines(order.kind, order.registration, order.amount_fen,
                                                    order.description))])
    return order


def lines_describe(*, registration: Registration, kind: str, subject_id: int, description: str,
                   description_en: str) -> int:
    """A line's words follow what it is for (an add-on's new size, same price), in every order of the seat."""
    return OrderLine.objects.filter(order__registration=registration, kind=kind, subject_id=subject_id).update(
        description=description[:120], description_en=description_en[:120])


def order_for_seat(*, registration: Registration, amount_fen: int, deadline: datetime.datetime) -> Order:
    """The order for a held seat, in the transaction that holds it (its locks taken by events): in
    one statement on PostgreSQL (payments.services.held), row by row elsewhere."""
    if prepared.one_statement_possible():
        return held.order_for_held_seat(registration=registration, amount_fen=amount_fen, deadline=deadline)
    order = Order.objects.create(rider_id=seat_payer_id(registration), registration=registration,
                                 amount_fen=amount_fen, expires_at=deadline, description=seat_description(registration))
    return _order_made(order, why=held.WHY)


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


def _close_pending(orders: Any, *, why: str, by: Any = None) -> int:
    """Cancel unpaid orders (rows locked here, after the seat's locks): their trades close after commit."""
    closed = 0
    for order in orders.select_for_update().filter(status=Order.Status.PENDING).order_by("pk"):
        closed += order_move(order, Order.Status.CANCELLED, by=by, why=why)
    return closed


EXPIRE_BATCH = 500  # orders per transaction of the expiry job


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
