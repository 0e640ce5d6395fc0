"""What happens to money when a seat moves (events' seat_money port, payments/seat_money.py):
released (unpaid orders closed, the policy's refund), transferred (what is owed becomes the new
holder's), re-priced by a category switch, the whole event cancelled; and what a seat has kept."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from events.models import Category, Event, Registration
from payments.models import Order, Payment, Refund
from payments.services.held import seat_description, seat_payer_id
from payments.services.orders import _close_pending, _order_made, order_create
from payments.services.policy import refund_by_policy
from payments.services.refunds import _refund_add, refundable


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


def seat_released(*, registration: Registration, by_rider: bool) -> int:
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
                                 description=seat_description(registration))
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


def seat_repriced(*, registration: Registration, price_fen: int) -> None:
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
                                     description=seat_description(registration))
        _order_made(order, why="category switched: the new price")
    elif registration.status == Registration.Status.CONFIRMED and kept > price_fen:
        _refund_kept(registration, kept - price_fen, "switched to a category that costs less")
