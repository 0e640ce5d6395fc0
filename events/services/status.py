"""The one door through which an event, a registration or a transfer offer changes status: each
move is checked against the model's TRANSITIONS table and recorded (core.transitions)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from core import transitions
from events.models import Event, Registration, TransferOffer


def registration_move(registration: Registration, to: str, *, by: Any = None, why: str = "",
                      fields: Iterable[str] = ()) -> bool:
    """Move one registration (its row locked by the caller) and save `fields` with it."""
    return transitions.move(registration, to, table=Registration.TRANSITIONS, by=by, why=why, fields=fields)


def registrations_move(queryset: QuerySet[Registration], to: str, *, by: Any = None, why: str = "",
                       **also: Any) -> list[int]:
    """Move many registrations at once (rows locked by the caller); returns the pks moved."""
    return transitions.moves(queryset, to, table=Registration.TRANSITIONS, by=by, why=why, **also)


def registration_created(registration: Registration, *, by: Any = None, why: str = "") -> None:
    transitions.created(registration, table=Registration.TRANSITIONS, by=by, why=why)


def registrations_created(rows: Iterable[tuple[int, str]], *, by: Any = None, why: str = "") -> None:
    transitions.created_many(Registration, rows, table=Registration.TRANSITIONS, by=by, why=why)


def offer_move(offer: TransferOffer, to: str, *, by: Any = None, why: str = "", fields: Iterable[str] = ()) -> bool:
    return transitions.move(offer, to, table=TransferOffer.TRANSITIONS, by=by, why=why, fields=fields)


def event_move(event: Event, to: str, *, by: Any = None, why: str = "", fields: Iterable[str] = ()) -> bool:
    return transitions.move(event, to, table=Event.TRANSITIONS, by=by, why=why, fields=fields)
