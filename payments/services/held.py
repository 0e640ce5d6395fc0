"""A held seat's order: who pays, its words, its lines, and on PostgreSQL the one statement that
writes the order, the record of its first status and its lines: either as part of events' own
statement that writes the seat (the one-statement sign-up of a paid category, through
payments.seat_money's `seat_held_in_statement` and events.payments_port.HeldInStatement) or by
itself in the transaction that holds the seat (`order_for_held_seat`). Written by hand with few
parameters: a paid rush's hot path (issue 27; tests/events/test_single_statement_columns.py
checks its column lists against the models, tests/payments/test_paid_sign_up_statement.py that
it writes what the ORM path writes)."""

from __future__ import annotations

import datetime
import functools
from typing import Any, cast

from django.utils import timezone

from core import instances, prepared, transitions
from events.models import Registration
from events.selectors.extras import Line, entry_lines
from payments.models import Order

WHY = "seat held for payment"  # the first status's reason, in the history

_WITH = """held_order AS (
    INSERT INTO payments_order (rider_id, registration_id, kind, subject_id, description, amount_fen, currency,
                                status, expires_at, created_at, paid_at, provider, return_path, group_id)
    SELECT %(o_payer)s, {seat}.id, '{kind}', NULL, %(o_description)s, %(o_amount)s, %(o_currency)s, '{pending}',
           %(o_expires)s, %(o_now)s, NULL, '', '', NULL
    FROM {seat} WHERE {seat}.status = '{held}'
    RETURNING id
), held_history AS (
    INSERT INTO core_statuschange (subject, object_id, from_status, to_status, by_id, why, at)
    SELECT '{subject}', id, '', '{pending}', NULL, %(o_why)s, %(o_now)s FROM held_order
), held_lines AS (
    INSERT INTO payments_orderline (order_id, kind, description, description_en, amount_fen, subject_id, position)
    SELECT held_order.id, line.kind, line.description, line.description_en, line.amount_fen, line.subject_id,
           line.position - 1
    FROM held_order, unnest(%(l_kind)s::varchar[], %(l_description)s::varchar[], %(l_description_en)s::varchar[],
                            %(l_amount)s::integer[], %(l_subject)s::bigint[])
         WITH ORDINALITY AS line(kind, description, description_en, amount_fen, subject_id, position)
)"""


@functools.cache
def held_sql(seat: str) -> str:
    """The three WITH parts, reading the seat (id, status) from the part named `seat`."""
    return _WITH.format(seat=seat, kind=Order.Kind.REGISTRATION.value, pending=Order.Status.PENDING.value,
                        held=Registration.Status.AWAITING.value, subject=transitions.subject_of(Order))


@functools.cache
def _standalone() -> str:
    """The order alone: the seat given by its key (its transaction holds it)."""
    held = Registration.Status.AWAITING.value  # (constants of the code: no input reaches the text)
    return f"WITH seat AS (SELECT %(o_seat)s::bigint AS id, '{held}'::varchar AS status), {held_sql('seat')} " \
           "SELECT id FROM held_order"  # noqa: S608


def seat_payer_id(registration: Registration) -> int:
    """Who pays for a seat: the rider, or the guardian who answers for a companion."""
    return registration.rider.guardian_id or registration.rider_id


def seat_description(registration: Registration) -> str:
    return f"{registration.event.title} · {registration.category.name}"[:120]


def order_lines(kind: str, registration: Registration | None, amount_fen: int, description: str, *,
                new_seat: bool = False) -> list[Line]:
    """An order's lines (issue 30): a seat's whole price as the entry's lines (fee, discount,
    add-ons, insurance) when the order asks exactly that, else one line for the amount due (a
    balance after a switch, a group's seats, dues). A new seat (not written yet) has no add-ons."""
    if kind == Order.Kind.REGISTRATION and registration is not None:
        lines = entry_lines(registration, items=[] if new_seat else None)
        if sum(line.amount_fen for line in lines) == amount_fen:
            return lines
    return [Line("balance", description, "", amount_fen)]


CURRENCY = Order._meta.get_field("currency").default


def params(registration: Registration, amount_fen: int, deadline: datetime.datetime, *,
           new_seat: bool) -> dict[str, Any]:
    """The statement's parameters for a held seat's order (the move to pending checked first)."""
    transitions.check(Order.TRANSITIONS, Order, transitions.NEW, Order.Status.PENDING)
    description = seat_description(registration)
    lines = order_lines(Order.Kind.REGISTRATION, registration, amount_fen, description, new_seat=new_seat)
    return {"o_payer": seat_payer_id(registration), "o_description": description, "o_amount": amount_fen,
            "o_currency": CURRENCY, "o_expires": deadline, "o_now": timezone.now(), "o_why": WHY,
            "l_kind": [line.kind for line in lines], "l_description": [line.description for line in lines],
            "l_description_en": [line.description_en for line in lines],
            "l_amount": [line.amount_fen for line in lines], "l_subject": [line.subject_id for line in lines]}


def written(registration: Registration, values: dict[str, Any], pk: int) -> Order:
    """The instance of the order the statement wrote, as if saved."""
    order = instances.new(Order, id=pk, rider_id=values["o_payer"], registration=registration,
                          amount_fen=values["o_amount"], currency=values["o_currency"], expires_at=values["o_expires"],
                          description=values["o_description"], created_at=values["o_now"])
    order._state.adding, order._state.db = False, "default"
    return order


def order_for_held_seat(*, registration: Registration, amount_fen: int, deadline: datetime.datetime) -> Order:
    """A held seat's order in one statement (PostgreSQL), in the transaction that holds the seat."""
    values = params(registration, amount_fen, deadline, new_seat=False)
    row = prepared.fetchone(_standalone(), {**values, "o_seat": registration.pk})
    return written(registration, values, cast(tuple, row)[0])
