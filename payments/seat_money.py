"""Payments' answer to events' seat_money port (events/payments_port.py), registered in
PaymentsConfig.ready(): orders for held seats, what happens to money when a seat moves, and the
reads events' pages need (what was paid, what is to pay)."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import get_script_prefix, reverse

from core import prepared
from events.payments_port import HeldInStatement
from payments import services
from payments.models import Order
from payments.services import held


class PaymentsForSeats:
    def seat_held(self, *, registration: Any, amount_fen: int, deadline: datetime.datetime) -> dict | None:
        return _owed(services.order_for_seat(registration=registration, amount_fen=amount_fen, deadline=deadline))

    def seat_held_in_statement(self, *, registration: Any, amount_fen: int, deadline: datetime.datetime,
                               seat: str) -> HeldInStatement | None:
        if not prepared.one_statement_possible():
            return None
        values: dict[str, Any] = {}

        def params() -> dict[str, Any]:
            values.update(held.params(registration, amount_fen, deadline, new_seat=True))
            return values

        def owed(pk: int | None) -> dict | None:
            return None if pk is None else _owed(held.written(registration, values, pk))  # None: not held

        return HeldInStatement(held.held_sql(seat), params, "(SELECT id FROM held_order)", owed)

    def seat_released(self, *, registration: Any, by_rider: bool) -> None:
        services.seat_released(registration=registration, by_rider=by_rider)

    def seat_transferred(self, *, registration: Any, from_rider: Any) -> None:
        services.order_transfer(registration=registration, from_rider=from_rider)

    def seat_repriced(self, *, registration: Any, price_fen: int) -> None:
        services.seat_repriced(registration=registration, price_fen=price_fen)

    def event_cancelled(self, *, event: Any) -> None:
        services.event_refund_all(event=event)

    def paid_fen(self, *, registration: Any) -> int:
        return services.kept_fen(registration=registration)

    def switch_pay_url(self, *, registration: Any, category: Any, amount_fen: int) -> str | None:
        if amount_fen <= 0:
            return None
        order = services.switch_order(registration=registration, category=category, amount_fen=amount_fen)
        return reverse("payments:order", args=[order.pk])

    def pending(self, *, registration: Any) -> dict | None:
        order = pending_order(registration)
        return None if order is None else _owed(order)

    def pending_many(self, *, registration_ids: list[int]) -> dict[int, dict]:
        return {pk: _owed(order) for pk, order in _pending_orders(registration_ids).items()}

    def line_refunded(self, *, registration: Any, kind: str, subject_id: int, amount_fen: int, by: Any) -> int:
        return services.line_refund(registration=registration, kind=kind, subject_id=subject_id,
                                    amount_fen=amount_fen, by=by)

    def line_described(self, *, registration: Any, kind: str, subject_id: int, description: str,
                       description_en: str) -> None:
        services.lines_describe(registration=registration, kind=kind, subject_id=subject_id,
                                description=description, description_en=description_en)


def _owed(order: Order) -> dict:
    return {"id": order.pk, "amount_fen": order.amount_fen, "currency": order.currency, "status": order.status,
            "expires_at": order.expires_at, "pay_url": _pay_url(order.pk)}


_PAY_URLS: dict[str, str] = {}  # script prefix -> the order page's path with a placeholder key
_KEY = 918273645


def _pay_url(pk: int) -> str:
    """reverse("payments:order", args=[pk]), the URL resolver asked once a script prefix (reverse
    was a tenth of a paid sign-up's own work in issue 27's profile)."""
    prefix = get_script_prefix()
    if prefix not in _PAY_URLS:
        _PAY_URLS[prefix] = reverse("payments:order", args=[_KEY])
    return _PAY_URLS[prefix].replace(str(_KEY), str(pk))


def pending_order(registration: Any) -> Order | None:
    """The order still to pay for this seat, read only (one past its deadline is not offered)."""
    return _pending_orders([registration.pk]).get(registration.pk)


def _pending_orders(registration_ids: list[int]) -> dict[int, Order]:
    """Each seat's newest pending order, when it is not past its deadline: one query for any number."""
    newest: dict[int, Order] = {}
    for order in (Order.objects.filter(registration_id__in=registration_ids, status=Order.Status.PENDING,
                                       kind=Order.Kind.REGISTRATION).order_by("registration_id", "-pk")):
        newest.setdefault(order.registration_id, order)
    return {pk: order for pk, order in newest.items() if order.shown_status == Order.Status.PENDING}
