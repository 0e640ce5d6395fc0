"""The seam between events and payments (a port, as core/memberships.py is for clubs).

Events owns seats; payments owns money. Payments sits above events, so events cannot import it;
where events needs payments to act inside the transaction that moves a seat (an order for a held
seat, an unpaid order closed or handed on, money given back) or needs an answer (what was paid, the
order to pay, a pay page), it calls `seat_money` here. PaymentsConfig.ready() registers
payments.seat_money as the answer; until then (or in a project without payments) no seat costs
anything and nothing is owed. Notices after the fact stay signals (events.signals).

Every call is made with the locks of docs/registration.md "Lock order" already taken by events
(the seat's categories, then the registration); payments takes the order rows after them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class HeldInStatement:
    """Payments' part of the statement that writes a new seat (PostgreSQL, the one-statement
    sign-up of a paid category): WITH parts that write the seat's order when the seat is held for
    payment, what gives their named parameters (asked only when the statement that claims a seat
    runs: a rider who joins the waitlist needs none), the expression the statement's last SELECT
    returns (the new order's key, or NULL when no seat was held), and what turns that key into what
    is to pay (as `pending` gives it; None for NULL)."""

    ctes: str
    params: Callable[[], dict[str, Any]]
    order_key: str
    owed: Callable[[int | None], dict | None]


class SeatMoney(Protocol):
    def seat_held(self, *, registration: Any, amount_fen: int, deadline: datetime.datetime) -> dict | None:
        """A seat is held until its rider pays `amount_fen`: write its order; returns what is to pay
        (as `pending` would read it back)."""

    def seat_held_in_statement(self, *, registration: Any, amount_fen: int, deadline: datetime.datetime,
                               seat: str) -> HeldInStatement | None:
        """`seat_held` as part of the statement that writes a new seat without add-ons, where the
        WITH part named `seat` returns it (id, status): the order is written only if that status is
        held for payment. None where payments cannot (then events calls `seat_held` after)."""

    def seat_released(self, *, registration: Any, by_rider: bool) -> None:
        """A seat (paid or not) is gone: close unpaid orders (and their trades); refund by the policy
        when the rider withdrew, in full when the seat went with the account (``by_rider``)."""

    def seat_transferred(self, *, registration: Any, from_rider: Any) -> None:
        """The seat has a new holder: what is still owed moves to them (a new order; the old one and
        its trade are closed)."""

    def seat_repriced(self, *, registration: Any, price_fen: int) -> None:
        """The seat now costs `price_fen` in all (a category switch): an unpaid order is made again
        for what is due; money paid beyond the price goes back."""

    def event_cancelled(self, *, event: Any) -> None:
        """The event is off: unpaid orders closed, everyone refunded in full."""

    def paid_fen(self, *, registration: Any) -> int:
        """Money kept for this seat: payments received less refunds (not failed)."""

    def switch_pay_url(self, *, registration: Any, category: Any, amount_fen: int) -> str | None:
        """The page where the rider pays `amount_fen` to switch to `category` first."""

    def pending(self, *, registration: Any) -> dict | None:
        """What is still to pay for the seat (id, amount_fen, currency, expires_at, pay_url), read
        only: an order past its deadline is shown as expired and not offered."""

    def pending_many(self, *, registration_ids: list[int]) -> dict[int, dict]:
        """`pending` for many seats in one query (a roster page): registration id -> what is owed."""

    def line_refunded(self, *, registration: Any, kind: str, subject_id: int, amount_fen: int, by: Any) -> int:
        """One line of a paid entry is given back alone (an add-on the organizer took back): refund
        what was paid for it; returns the fen sent back."""

    def line_described(self, *, registration: Any, kind: str, subject_id: int, description: str,
                       description_en: str) -> None:
        """What a line is for changed, not its price (an add-on's size): its orders' lines say so."""


class _Free:
    def seat_held(self, *, registration: Any, amount_fen: int, deadline: datetime.datetime) -> dict | None:
        return None

    def seat_held_in_statement(self, *, registration: Any, amount_fen: int, deadline: datetime.datetime,
                               seat: str) -> HeldInStatement | None:
        return None

    def seat_released(self, *, registration: Any, by_rider: bool) -> None:
        return None

    def seat_transferred(self, *, registration: Any, from_rider: Any) -> None:
        return None

    def seat_repriced(self, *, registration: Any, price_fen: int) -> None:
        return None

    def event_cancelled(self, *, event: Any) -> None:
        return None

    def paid_fen(self, *, registration: Any) -> int:
        return 0

    def switch_pay_url(self, *, registration: Any, category: Any, amount_fen: int) -> str | None:
        return None

    def pending(self, *, registration: Any) -> dict | None:
        return None

    def pending_many(self, *, registration_ids: list[int]) -> dict[int, dict]:
        return {}

    def line_refunded(self, *, registration: Any, kind: str, subject_id: int, amount_fen: int, by: Any) -> int:
        return 0

    def line_described(self, *, registration: Any, kind: str, subject_id: int, description: str,
                       description_en: str) -> None:
        return None


seat_money: SeatMoney = _Free()


def register(provider: SeatMoney) -> None:
    global seat_money
    seat_money = provider
