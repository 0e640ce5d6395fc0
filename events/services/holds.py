"""Seats held for others: a club's team or a friend's group holds seats each member confirms with
their own answers (or declines); holds that lapse go back; the payment deadline of a held seat."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from events import payments_port
from events.models import Category, Event, Registration
from events.selectors import entry_price_fen
from events.services.answers import answers_clean
from events.services.errors import RegistrationCode
from events.services.outbox import mail_on_commit
from events.services.seats import (
    lock_category,
    lock_seat,
    new_checkin_key,
    promote,
    recount,
    take_bib,
)
from events.services.signup import _gives_id, _identity, _window_check, rider_check
from events.services.status import (
    registration_move,
    registrations_created,
    registrations_move,
)

TEAM_HOLD = datetime.timedelta(hours=72)


def hold_deadline(event: Event, now: datetime.datetime) -> datetime.datetime:
    """Until when a team member may confirm a held seat: TEAM_HOLD, but never after registration
    closes or the event starts."""
    return min(now + TEAM_HOLD, event.registration_closes_at, event.starts_at)


@transaction.atomic
def registrations_create_group(*, category: Category, riders: list[User],
                               mail_kind: str = "team_entry") -> list[Registration]:
    """Hold seats for several riders at once (a club's team): every one gets a seat, or nobody
    does and the reason is given. A held seat is the rider's only when they confirm it themselves
    (registration_hold_confirm: their answers, their waiver) before the deadline; until then the
    organizer sees nothing of them. The category row is locked for the whole check-and-write, so
    single sign-ups racing the group wait for it and then see its seats taken."""
    event = category.event
    if not riders:
        raise ServiceError(_("Choose at least one member."), RegistrationCode.EMPTY_GROUP)
    _window_check(event)
    for rider in riders:
        _named(rider, rider_check, category=category, rider=rider)
    locked = lock_category(category)
    free = _group_seats(locked, riders)
    if free < len(riders):
        raise ServiceError(_("Only %(free)s seats are left in this category for %(count)s members: nobody was "
                             "entered.") % {"free": max(free, 0), "count": len(riders)},
                           RegistrationCode.NOT_ENOUGH_SEATS)
    now = timezone.now()
    deadline = hold_deadline(event, now)
    team_key = uuid.uuid4().hex
    entries = []
    for rider in riders:
        entries.append(Registration.objects.create(
            event=event, category=locked, rider=rider, status=Registration.Status.HELD, team_key=team_key,
            bib=take_bib(locked), queued_at=now, hold_expires_at=deadline, checkin_key=new_checkin_key()))
        mail_on_commit(entries[-1].pk, mail_kind)
    registrations_created([(r.pk, r.status) for r in entries], why="held for a team entry")
    Category.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + len(riders))
    return entries


def _named(who: User, check: Callable[..., object], /, **kwargs: object) -> object:
    """Run a check for one rider of a group; its refusal names the rider."""
    try:
        return check(**kwargs)
    except ServiceError as exc:
        raise ServiceError(f"{who.public_name}: {' '.join(exc.messages)}", exc.error_code) from exc


def _group_seats(locked: Category, riders: list[User]) -> int:
    """Under the category lock: refuse when one of a group is registered already; the free seats."""
    already = list(Registration.objects.filter(event_id=locked.event_id, rider__in=riders,
                                               status__in=Registration.ACTIVE).select_related("rider"))
    if already:
        raise ServiceError(_("Already registered for this event: %(names)s.")
                           % {"names": ", ".join(r.rider.public_name for r in already)},
                           RegistrationCode.ALREADY_REGISTERED)
    return locked.capacity - recount(locked).confirmed_count - locked.code_seats


@transaction.atomic
def registration_hold_confirm(*, registration: Registration, answers: dict | None = None,
                              accept_waiver: bool = False, id_consent: bool = False,
                              fill_profile: bool = False) -> Registration:
    """The rider takes the seat their club held: the same waiver, eligibility and questions as a
    sign-up of their own."""
    registration = lock_seat(registration)
    if registration.status != Registration.Status.HELD:
        raise ServiceError(_("This entry is not waiting for your confirmation."), RegistrationCode.NOT_HELD)
    now = timezone.now()
    if registration.hold_expires_at is not None and registration.hold_expires_at < now:
        raise ServiceError(_("The time to confirm this entry has passed."), RegistrationCode.HOLD_EXPIRED)
    event = registration.event
    if event.waiver_text and not accept_waiver:
        raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
    registration.answers = answers_clean(event=event, answers=answers or {})
    _identity(event, registration.rider, registration.answers, id_consent=id_consent, fill_profile=fill_profile)
    rider_check(category=registration.category, rider=registration.rider)
    registration.waiver_accepted_at = now if accept_waiver else None
    registration.id_consent_at = now if _gives_id(event, registration.answers) else None
    if event.team_all_or_nothing and registration.team_key:
        # the team stands or falls together: this member's part is given; the seats become theirs
        # when every member has given theirs
        registration.answered_at = now
        registration.save(update_fields=["answers", "waiver_accepted_at", "id_consent_at", "answered_at"])
        team = list(Registration.objects.select_for_update().select_related("category", "event", "rider").filter(
            team_key=registration.team_key, status=Registration.Status.HELD).order_by("pk"))
        if all(member.answered_at for member in team):
            for member in team:
                _hold_take(member, now)
        registration.refresh_from_db()
        return registration
    _hold_take(registration, now)
    return registration


def _hold_take(registration: Registration, now: datetime.datetime) -> None:
    """A held seat becomes the member's: to pay (a paid category; the page said the fee and the
    deadline before they confirmed) or confirmed."""
    fee = entry_price_fen(registration)
    fields = ["answers", "confirmed_at", "hold_expires_at", "waiver_accepted_at", "id_consent_at"]
    if fee:  # a paid category: the member pays their own entry, within the event's payment window
        registration.hold_expires_at = payment_deadline(registration.event, now)
        registration_move(registration, Registration.Status.AWAITING, by=registration.rider,
                          why="confirmed a held seat", fields=fields)
        payments_port.seat_money.seat_held(registration=registration, amount_fen=fee,
                                           deadline=registration.hold_expires_at)
    else:
        registration.confirmed_at, registration.hold_expires_at = now, None
        registration_move(registration, Registration.Status.CONFIRMED, by=registration.rider,
                          why="confirmed a held seat", fields=fields)
    mail_on_commit(registration.pk, registration.status)


def payment_deadline(event: Event, now: datetime.datetime) -> datetime.datetime:
    """Until when a seat held for payment waits (the event's payment window)."""
    return now + datetime.timedelta(minutes=event.payment_minutes)


def _holds_release(category: Category, holds: list[int], *, why: str, by: Any = None) -> int:
    """Delete held seats nobody confirmed (nothing of the rider is kept; the history keeps the
    move) and give them to the waitlist; the category row must be locked. Where the event's team
    entries stand or fall together, the rest of each team's held seats go with them."""
    teams = set(Registration.objects.filter(pk__in=holds, event__team_all_or_nothing=True).exclude(team_key="")
                .values_list("team_key", flat=True))
    if teams:
        holds = [*holds, *Registration.objects.filter(team_key__in=teams, status=Registration.Status.HELD)
                 .values_list("pk", flat=True)]
    held = Registration.objects.select_for_update().filter(pk__in=holds, status=Registration.Status.HELD)
    released = registrations_move(held, Registration.Status.CANCELLED, by=by, why=why)
    Registration.objects.filter(pk__in=released).delete()
    if released:
        promote(category)
    return len(released)


@transaction.atomic
def registration_hold_decline(*, registration: Registration) -> int:
    category = lock_category(registration.category)
    return _holds_release(category, [registration.pk], why="declined a held seat", by=registration.rider)


def registrations_holds_expire(*, now: datetime.datetime | None = None) -> int:
    """Release every held seat past its deadline (beat runs this every few minutes)."""
    now = now or timezone.now()
    expired = Registration.objects.filter(status=Registration.Status.HELD, hold_expires_at__lt=now)
    released = 0
    for category_id in sorted(set(expired.values_list("category_id", flat=True))):
        with transaction.atomic():
            category = Category.objects.select_for_update().get(pk=category_id)
            released += _holds_release(category, list(expired.filter(category_id=category_id)
                                                      .values_list("pk", flat=True)), why="not confirmed in time")
    return released
