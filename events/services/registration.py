"""Registration: sign-up (one rider or a group), cancellation, category switch, transfer, and the
window and eligibility rules they share. Seats are claimed through events/services/seats.py."""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import companion_create
from core import memberships, money, transitions
from core.errors import ServiceError
from events import payments_port
from events.models import Ballot, Category, EntryCode, Event, Question, Registration, TransferOffer
from events.selectors import seat_price_fen
from events.services.answers import answers_clean, identity_check
from events.services.errors import RegistrationCode
from events.services.outbox import mail_on_commit, mails_on_commit, outbox_enqueue_to, outbox_kick_on_commit
from events.services.seats import (
    claim_seat,
    confirmed_count,
    insert_single_statement,
    insert_two_statements,
    lock_category,
    lock_seat,
    new_checkin_key,
    promote,
    recount,
    single_statement_possible,
    take_bib,
)
from events.services.status import (
    offer_move,
    registration_created,
    registration_move,
    registrations_created,
    registrations_move,
)

TEAM_HOLD = datetime.timedelta(hours=72)


def registration_window_error(event: Event, now: datetime.datetime | None = None) -> str | None:
    """Why nobody can register right now, or None when the window is open."""
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED:
        return _("This event is not open for registration.")
    if event.registration_paused:
        return _("The organizer has closed registration for now.")
    if now < event.registration_opens_at:
        return _("Registration has not opened yet.")
    if now > event.registration_closes_at:
        return _("Registration has closed.")
    return None


def _window_check(event: Event) -> None:
    problem = registration_window_error(event)
    if problem:
        raise ServiceError(problem, RegistrationCode.CLOSED)


def rider_check(*, category: Category, rider: User) -> None:
    """Age on the event day, gender, and club membership for members-only rides."""
    event = category.event
    event_day = timezone.localtime(event.starts_at).date()
    if category.min_age is not None or category.max_age is not None:
        age = rider.age_on(event_day)
        if age is None:
            raise ServiceError(_("This category has an age limit: add your date of birth to your profile first."),
                               RegistrationCode.AGE_UNKNOWN)
        if category.min_age is not None and age < category.min_age:
            raise ServiceError(_("You must be at least %(age)s on the event day.") % {"age": category.min_age},
                               RegistrationCode.TOO_YOUNG)
        if category.max_age is not None and age > category.max_age:
            raise ServiceError(_("This category is for riders up to %(age)s on the event day.")
                               % {"age": category.max_age}, RegistrationCode.TOO_OLD)
    if category.gender and rider.gender != category.gender:
        message = (_("This category is for women only.") if category.gender == Category.Gender.FEMALE
                   else _("This category is for men only."))
        raise ServiceError(message, RegistrationCode.GENDER)
    if event.members_only and (event.club_id is None
                               or not memberships.directory.is_active_member(club_id=event.club_id, user=rider)):
        raise ServiceError(_("This ride is for members of the club."), RegistrationCode.MEMBERS_ONLY)


def _active_registration(event: Event, rider: User) -> Registration | None:
    return Registration.objects.filter(event=event, rider=rider, status__in=Registration.ACTIVE).first()


def registration_create(*, event: Event, category: Category, rider: User, answers: dict | None = None,
                        accept_waiver: bool = False, language: str | None = None, id_consent: bool = False,
                        fill_profile: bool = False, code: str = "") -> tuple[Registration, bool]:
    """Register a rider; returns (registration, created). A repeat returns the existing one.

    The hot path of a registration rush: the checks need no query but the questions, then one
    transaction claims a seat (conditional UPDATE) and inserts the row. The partial unique index
    on (event, rider) turns a concurrent repeat into an IntegrityError: the transaction, seat
    claim included, rolls back and the rider gets the registration they already have.
    """
    if category.event_id != event.pk:
        raise ServiceError(_("This category belongs to another event."), RegistrationCode.WRONG_EVENT)
    try:
        _window_check(event)
        if event.waiver_text and not accept_waiver:
            raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
        cleaned = answers_clean(event=event, answers=answers or {})
        _identity(event, rider, cleaned, id_consent=id_consent, fill_profile=fill_profile)
        rider_check(category=category, rider=rider)  # after the ID filled a missing birth date
    except ValidationError:
        existing = _active_registration(event, rider)  # a repeat after the window closed is still a repeat
        if existing:
            return existing, False
        raise
    if language and language != rider.language:
        User.objects.filter(pk=rider.pk).update(language=language)
    now = timezone.now()
    if code.strip():  # an entry code: a seat (reserved or open) whatever the mode, at the code's price
        return _code_entry(event, category, rider, cleaned, accept_waiver, now, code)
    if category.mode == Category.Mode.BALLOT:
        return _ballot_entry(event, category, rider, cleaned, accept_waiver, now)
    registration = Registration(event=event, category=category, rider=rider, answers=cleaned, queued_at=now,
                                waiver_accepted_at=now if accept_waiver else None, checkin_key=new_checkin_key(),
                                id_consent_at=now if _gives_id(event, cleaned) else None)
    fee = category.fee_fen
    pay_by = now + datetime.timedelta(minutes=event.payment_minutes) if fee else None
    single = single_statement_possible()
    # One statement is its own transaction; a savepoint is only needed inside a caller's
    # transaction, or for a paid seat, whose order is written in the same transaction
    outer = (transaction.atomic() if (not single or fee or connection.in_atomic_block)
             else contextlib.nullcontext())
    try:
        with outer:
            if single:  # the statement also writes the outbox row and the status history
                if not insert_single_statement(registration, pay_by=pay_by):
                    raise ServiceError(_("This category is full."), RegistrationCode.FULL)
                outbox_kick_on_commit()
            else:
                insert_two_statements(registration, pay_by=pay_by)
                registration_created(registration, by=rider, why="signed up")
                mail_on_commit(registration.pk, registration.status)
            if registration.status == Registration.Status.AWAITING:
                payments_port.seat_money.seat_held(registration=registration, amount_fen=fee,
                                     deadline=cast(datetime.datetime, pay_by))
    except IntegrityError:
        existing = _active_registration(event, rider)
        if existing is None:
            raise
        return existing, False
    return registration, True


def code_normalize(code: str) -> str:
    return "".join(code.split()).upper()[:24]


def _code_entry(event: Event, category: Category, rider: User, answers: dict, accept_waiver: bool,
                now: datetime.datetime, code: str) -> tuple[Registration, bool]:
    """A registration with an entry code: the code is used by one conditional UPDATE (a code used
    up cannot be used again, however many riders race for it), in the transaction that takes the
    seat, from the code's reserve when it has one."""
    entry = EntryCode.objects.filter(event=event, code=code_normalize(code)).first()
    if entry is None or entry.category_id != category.pk or entry.for_rider_id not in (None, rider.pk):
        raise ServiceError(_("This code is not valid for this category."), RegistrationCode.CODE_INVALID,
                           field="code")
    if entry.expires_at is not None and entry.expires_at <= now:
        raise ServiceError(_("This code has expired."), RegistrationCode.CODE_EXPIRED, field="code")
    price_fen = entry.price_fen if entry.price_fen is not None else category.fee_fen
    try:
        with transaction.atomic():
            used = (EntryCode.objects.filter(pk=entry.pk, uses__lt=F("uses_allowed"))
                    .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).update(uses=F("uses") + 1))
            if not used:
                raise ServiceError(_("This code has been used up."), RegistrationCode.CODE_USED, field="code")
            locked = lock_category(category)
            bib: int | None
            if entry.reserved and locked.code_seats > 0:
                bib = take_bib(locked)
                Category.objects.filter(pk=locked.pk).update(code_seats=F("code_seats") - 1,
                                                            confirmed_count=F("confirmed_count") + 1)
            else:
                bib = claim_seat(locked)
                if bib is None:
                    raise ServiceError(_("This category is full."), RegistrationCode.FULL)
            pay_by = now + datetime.timedelta(minutes=event.payment_minutes) if price_fen else None
            registration = Registration(
                event=event, category=category, rider=rider, answers=answers, queued_at=now, bib=bib,
                status=Registration.Status.AWAITING if price_fen else Registration.Status.CONFIRMED,
                confirmed_at=None if price_fen else now, hold_expires_at=pay_by, entry_code=entry,
                waiver_accepted_at=now if accept_waiver else None, checkin_key=new_checkin_key(),
                id_consent_at=now if _gives_id(event, answers) else None)
            registration.save(force_insert=True)
            registration_created(registration, by=rider, why="signed up with an entry code")
            if pay_by is not None:
                payments_port.seat_money.seat_held(registration=registration, amount_fen=price_fen, deadline=pay_by)
            mail_on_commit(registration.pk, registration.status)
    except IntegrityError:  # already registered: the code's use and the seat are undone with it
        existing = _active_registration(event, rider)
        if existing is None:
            raise
        return existing, False
    return registration, True


def _ballot_entry(event: Event, category: Category, rider: User, answers: dict, accept_waiver: bool,
                  now: datetime.datetime) -> tuple[Registration, bool]:
    """An entry in a ballot: no seat yet, nothing confirmed until the draw."""
    if Ballot.objects.filter(category=category, drawn_at__isnull=False).exists():
        raise ServiceError(_("The draw has been made: entries are closed."), RegistrationCode.BALLOT_DRAWN)
    registration = Registration(event=event, category=category, rider=rider, answers=answers, queued_at=now,
                                checkin_key=new_checkin_key(), status=Registration.Status.ENTERED,
                                waiver_accepted_at=now if accept_waiver else None,
                                id_consent_at=now if _gives_id(event, answers) else None)
    try:
        with transaction.atomic():
            registration.save(force_insert=True)
            registration_created(registration, by=rider, why="entered the ballot")
            mail_on_commit(registration.pk, "entered")
    except IntegrityError:
        existing = _active_registration(event, rider)
        if existing is None:
            raise
        return existing, False
    return registration, True


def _gives_id(event: Event, answers: dict) -> bool:
    return any(q.kind == Question.Kind.NATIONAL_ID and answers.get(q.key) for q in event.questions.all())


def _identity(event: Event, rider: User, answers: dict, *, id_consent: bool, fill_profile: bool) -> None:
    """The real-name checks (answers.identity_check); a profile filled from the ID is saved."""
    fill = identity_check(event=event, rider=rider, answers=answers, id_consent=id_consent, fill_profile=fill_profile)
    if fill:
        for name, value in fill.items():
            setattr(rider, name, value)
        User.objects.filter(pk=rider.pk).update(**fill)


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
    fee = seat_price_fen(registration)
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


@transaction.atomic
def registration_cancel(*, registration: Registration, by_rider: bool = True, by: Any = None,
                        why: str = "") -> Registration:
    """Cancel; a freed seat goes to the next waitlisted rider in the same transaction. Unpaid
    orders are closed; money paid goes back by the event's refund policy when the rider withdrew
    (payments, through the seat_money port)."""
    registration = lock_seat(registration)
    category = registration.category
    if registration.status == Registration.Status.CANCELLED:
        return registration
    who = by if by is not None else (registration.rider if by_rider else None)
    if registration.status == Registration.Status.HELD:  # declining a held seat leaves no trace
        _holds_release(category, [registration.pk], why=why or "cancelled", by=who)
        registration.status = Registration.Status.CANCELLED  # in memory: the row was deleted
        return registration
    was_seated = registration.status in Registration.SEATED  # confirmed, or held for payment
    registration.cancelled_at = timezone.now()
    registration.bib = None
    registration_move(registration, Registration.Status.CANCELLED, by=who,
                      why=why or ("withdrawn by the rider" if by_rider else "cancelled by the organizer"),
                      fields=["cancelled_at", "bib"])
    for offer in TransferOffer.objects.select_for_update().filter(registration=registration,
                                                                  status=TransferOffer.Status.PENDING):
        offer.decided_at = registration.cancelled_at
        offer_move(offer, TransferOffer.Status.WITHDRAWN, by=who, why="the seat was cancelled", fields=["decided_at"])
    mail_on_commit(registration.pk, "cancelled")
    payments_port.seat_money.seat_released(registration=registration, by_rider=by_rider)
    if was_seated:
        promote(category)  # recounts: the seat goes to the waitlist
    return registration


@transaction.atomic
def registration_change_category(*, registration: Registration, category: Category,
                                 settled: bool = False, by: Any = None) -> Registration:
    """Move to another category of the same event under the same rules as a new registration.

    The price due afterwards is always the full price of the new category less what was paid for
    the seat (an entry code's price stays with its own category): a confirmed rider for whom that is
    more pays it first (``settled``: payments calls this once it is paid), one who paid more gets the
    difference back, an unpaid seat's order is made again for what is due. A seated rider keeps
    their seat when the new category is full (refused); a waitlisted one joins its waitlist."""
    if category.event_id != registration.event_id:
        raise ServiceError(_("This category belongs to another event."), RegistrationCode.WRONG_EVENT)
    if category.pk == registration.category_id:
        return registration
    _window_check(registration.event)
    rider_check(category=category, rider=registration.rider)
    if category.mode == Category.Mode.BALLOT:
        raise ServiceError(_("Places in a ballot category are drawn: enter the ballot instead."),
                           RegistrationCode.BALLOT_DRAWN)
    registration = lock_seat(registration, also=[category.pk])
    old, new = lock_category(registration.category), lock_category(category)  # held already: fresh rows
    if registration.status not in Registration.ACTIVE:
        raise ServiceError(_("This registration is cancelled."), RegistrationCode.CANCELLED)
    if registration.status in (Registration.Status.HELD, Registration.Status.ENTERED):
        raise ServiceError(_("Confirm this entry before changing its category."), RegistrationCode.NOT_HELD)
    was = registration.status
    was_seated = was in Registration.SEATED
    paid = payments_port.seat_money.paid_fen(registration=registration)
    price = new.fee_fen
    due = price - paid
    if was == Registration.Status.CONFIRMED and due > 0 and not settled:
        raise ServiceError(_("This category costs ¥%(amount)s more: pay the difference to switch.")
                           % {"amount": money.yuan(due)}, RegistrationCode.PAYMENT_REQUIRED, http_status=402)
    now = timezone.now()
    seat_free = confirmed_count(new) + new.code_seats < new.capacity  # counted before this registration moves in
    if not seat_free and (was_seated or not new.waitlist_enabled):
        raise ServiceError(_("This category is full."), RegistrationCode.FULL)
    registration.category = new
    registration.bib = None
    fields = ["category", "bib", "confirmed_at", "queued_at", "hold_expires_at"]
    why = f"switched category {old.pk} → {new.pk}"
    if not seat_free:
        registration.queued_at = now
        registration_move(registration, Registration.Status.WAITLISTED, by=by, why=why, fields=fields)
    elif due > 0:  # still to pay: the seat is held at the new price
        registration.bib = take_bib(new)
        if was != Registration.Status.AWAITING:
            registration.hold_expires_at = payment_deadline(registration.event, now)
        registration_move(registration, Registration.Status.AWAITING, by=by, why=why, fields=fields)
    else:
        registration.bib = take_bib(new)
        registration.confirmed_at, registration.hold_expires_at = registration.confirmed_at or now, None
        registration_move(registration, Registration.Status.CONFIRMED, by=by, why=why, fields=fields)
    mail_on_commit(registration.pk, registration.status)
    payments_port.seat_money.seat_repriced(registration=registration, price_fen=price)
    recount(new)
    if was_seated:
        promote(old)
    return registration


def registration_switch(*, registration: Registration, category: Category) -> tuple[Registration, str | None]:
    """A rider's switch: done at once, or (a dearer category for a confirmed rider) the address of
    the order that pays the difference first; the switch happens when it is paid."""
    try:
        return registration_change_category(registration=registration, category=category,
                                            by=registration.rider), None
    except ServiceError as error:
        if error.error_code != RegistrationCode.PAYMENT_REQUIRED:
            raise
        due = category.fee_fen - payments_port.seat_money.paid_fen(registration=registration)
        url = payments_port.seat_money.switch_pay_url(registration=registration, category=category, amount_fen=due)
        if not url:
            raise
        return registration, url


def _transfer_checks(registration: Registration, to_rider: User) -> None:
    event = registration.event
    if event.transfer_deadline is None or timezone.now() > event.transfer_deadline:
        raise ServiceError(_("Transfers are not possible for this event now."), RegistrationCode.TRANSFER_CLOSED)
    if registration.status not in Registration.ACTIVE or registration.status == Registration.Status.ENTERED:
        raise ServiceError(_("This registration is cancelled."), RegistrationCode.CANCELLED)
    if registration.status == Registration.Status.HELD:
        raise ServiceError(_("Confirm this entry before passing it on."), RegistrationCode.NOT_HELD)
    if not to_rider.is_active:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    if Registration.objects.filter(event=event, rider=to_rider, status__in=Registration.ACTIVE).exists():
        raise ServiceError(_("That rider is already registered for this event."),
                           RegistrationCode.ALREADY_REGISTERED)
    # members-only, age, gender: the recipient's, named so the sender sees whose rule it is
    _named(to_rider, rider_check, category=registration.category, rider=to_rider)


@transaction.atomic
def registration_transfer(*, registration: Registration, to_rider: User) -> TransferOffer:
    """Offer a seat to another rider before the organizer's deadline. Nothing moves until they
    accept (transfer_accept) with their own answers; the offer can be withdrawn until then."""
    registration = lock_seat(registration)
    if to_rider.pk == registration.rider_id:
        raise ServiceError(_("This registration is yours already."), RegistrationCode.ALREADY_REGISTERED)
    _transfer_checks(registration, to_rider)
    for stale in TransferOffer.objects.select_for_update().filter(registration=registration,
                                                                  status=TransferOffer.Status.PENDING):
        stale.decided_at = timezone.now()  # one offer at a time: the latest
        offer_move(stale, TransferOffer.Status.WITHDRAWN, by=registration.rider, why="a newer offer",
                   fields=["decided_at"])
    offer = TransferOffer.objects.create(registration=registration, from_rider_id=registration.rider_id,
                                         to_rider=to_rider)
    transitions.created(offer, table=TransferOffer.TRANSITIONS, by=registration.rider)
    outbox_enqueue_to(registration.pk, "transfer_offer", to_rider.pk)
    return offer


@transaction.atomic
def transfer_accept(*, offer: TransferOffer, rider: User, answers: dict | None = None, accept_waiver: bool = False,
                    id_consent: bool = False, fill_profile: bool = False) -> Registration:
    """The recipient takes the seat with their own answers, waiver and ID: the previous rider's
    answers go, the seat gets a new check-in code (the old QR no longer works), and what is still
    owed for it is theirs to pay (a new order; the sender's is closed). The rules and the deadline
    are checked again now."""
    registration = lock_seat(Registration(pk=offer.registration_id))
    offer = TransferOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.to_rider_id != rider.pk or offer.status != TransferOffer.Status.PENDING:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    if registration.rider_id != offer.from_rider_id:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    _transfer_checks(registration, rider)
    event = registration.event
    if event.waiver_text and not accept_waiver:
        raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
    cleaned = answers_clean(event=event, answers=answers or {})
    _identity(event, rider, cleaned, id_consent=id_consent, fill_profile=fill_profile)
    rider_check(category=registration.category, rider=rider)
    now = timezone.now()
    sender = registration.rider
    registration.transferred_from_id = registration.rider_id
    registration.rider = rider
    registration.checked_in_at = None
    registration.checkin_key = new_checkin_key()
    registration.answers = cleaned
    registration.waiver_accepted_at = now if accept_waiver else None
    registration.id_consent_at = now if _gives_id(event, cleaned) else None
    registration.save(update_fields=["rider", "transferred_from", "checked_in_at", "checkin_key", "answers",
                                     "waiver_accepted_at", "id_consent_at"])
    offer.decided_at = now
    offer_move(offer, TransferOffer.Status.ACCEPTED, by=rider, why="accepted", fields=["decided_at"])
    payments_port.seat_money.seat_transferred(registration=registration, from_rider=sender)
    mail_on_commit(registration.pk, "transferred")
    return registration


@transaction.atomic
def transfer_decline(*, offer: TransferOffer, rider: User) -> TransferOffer:
    """The recipient says no, or the sender withdraws the offer: nothing moved, nothing moves."""
    offer = TransferOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != TransferOffer.Status.PENDING:
        return offer
    if rider.pk == offer.to_rider_id:
        to = TransferOffer.Status.DECLINED
    elif rider.pk == offer.from_rider_id:
        to = TransferOffer.Status.WITHDRAWN
    else:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    offer.decided_at = timezone.now()
    offer_move(offer, to, by=rider, fields=["decided_at"])
    return offer


@transaction.atomic
def registration_paid(*, registration_id: int, late: bool = False) -> bool:
    """The rider paid for their held seat: it is confirmed. ``late``: money for an order that
    expired (the seat lapsed for want of payment, never a withdrawal) takes a free seat if one is
    left. Returns False when there is nothing to give (the caller refunds): the seat is gone, was
    paid already, or is no longer waiting for this payment."""
    registration = lock_seat(Registration(pk=registration_id))
    category = registration.category
    now = timezone.now()
    why = "paid"
    if late:
        lapsed = (registration.status == Registration.Status.CANCELLED and registration.deferred_at is None
                  and registration.event.status == Event.Status.PUBLISHED
                  and registration.rider.is_active)  # never a seat again for a deleted account
        if not lapsed:
            return False
        recount(category)
        if category.confirmed_count + category.code_seats >= category.capacity or _active_registration(
                registration.event, registration.rider):
            return False
        registration.bib = take_bib(category)
        Category.objects.filter(pk=category.pk).update(confirmed_count=F("confirmed_count") + 1)
        why = "paid after the seat lapsed (a seat was still free)"
    elif registration.status != Registration.Status.AWAITING:
        return False
    registration.confirmed_at, registration.hold_expires_at, registration.cancelled_at = now, None, None
    registration_move(registration, Registration.Status.CONFIRMED, why=why,
                      fields=["confirmed_at", "hold_expires_at", "cancelled_at", "bib"])
    mail_on_commit(registration.pk, "confirmed")
    return True


@transaction.atomic
def registrations_payment_lapsed(*, registration_ids: list[int]) -> int:
    """Seats not paid in time (the expiry job, which holds their categories' locks already): per
    category one update and one promotion (to the next on the waitlist, as an offer where the
    category is paid). Returns how many seats were released."""
    released = 0
    by_category: dict[int, list[int]] = {}
    for pk, category_id in Registration.objects.filter(pk__in=registration_ids).values_list("pk", "category_id"):
        by_category.setdefault(category_id, []).append(pk)
    now = timezone.now()
    for category_id in sorted(by_category):  # one lock order for every caller
        category = Category.objects.select_for_update().get(pk=category_id)
        awaiting = Registration.objects.select_for_update().filter(
            pk__in=sorted(by_category[category_id]), status=Registration.Status.AWAITING)
        lapsed = registrations_move(awaiting, Registration.Status.CANCELLED, why="not paid in time",
                                    cancelled_at=now, bib=None)
        if not lapsed:
            continue
        mails_on_commit(lapsed, "payment_lapsed")
        promote(category)  # recounts, then offers the free seats to the waitlist
        released += len(lapsed)
    return released


def registration_answers_missing(registration: Registration) -> bool:
    """Whether the rider still owes the event their answers or waiver (after a transfer)."""
    event = registration.event
    if event.waiver_text and registration.waiver_accepted_at is None:
        return True
    return any(q.required and not registration.answers.get(q.key) for q in event.questions.all())


@transaction.atomic
def registration_answers_give(*, registration: Registration, answers: dict | None = None, accept_waiver: bool = False,
                              id_consent: bool = False, fill_profile: bool = False) -> Registration:
    """A rider gives their own answers, waiver and ID consent for a seat they hold (a transferred
    one): the same checks as a sign-up."""
    registration = Registration.objects.select_for_update().select_related("event", "rider").get(pk=registration.pk)
    if registration.status not in Registration.ACTIVE:
        raise ServiceError(_("This registration is cancelled."), RegistrationCode.CANCELLED)
    event = registration.event
    if event.waiver_text and not accept_waiver:
        raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
    cleaned = answers_clean(event=event, answers=answers or {})
    _identity(event, registration.rider, cleaned, id_consent=id_consent, fill_profile=fill_profile)
    now = timezone.now()
    registration.answers = cleaned
    registration.waiver_accepted_at = now if accept_waiver else registration.waiver_accepted_at
    registration.id_consent_at = now if _gives_id(event, cleaned) else None
    registration.save(update_fields=["answers", "waiver_accepted_at", "id_consent_at"])
    return registration


@transaction.atomic
def registration_defer(*, registration: Registration) -> Registration:
    """A confirmed rider defers to the next edition (where the organizer allows it, before the
    deadline): the seat goes back to the waitlist now; the organizer gives deferred riders a seat in
    the next edition (deferral_codes_issue). What they paid stays paid (it pays for that seat)."""
    event = registration.event
    if event.deferral_deadline is None or timezone.now() > event.deferral_deadline:
        raise ServiceError(_("Deferring is not possible for this event now."), RegistrationCode.DEFERRAL_CLOSED)
    registration = lock_seat(registration)
    if registration.status != Registration.Status.CONFIRMED:
        raise ServiceError(_("Only a confirmed seat can be deferred."), RegistrationCode.DEFERRAL_CLOSED)
    now = timezone.now()
    registration.cancelled_at, registration.deferred_at, registration.bib = now, now, None
    registration_move(registration, Registration.Status.CANCELLED, by=registration.rider, why="deferred",
                      fields=["cancelled_at", "deferred_at", "bib"])
    payments_port.seat_money.seat_released(registration=registration, by_rider=False)  # a pending switch order closes
    mail_on_commit(registration.pk, "deferred")
    promote(registration.category)  # the seat goes to the waitlist
    return registration


ADULT_AGE = 18


def _member_checks(*, category: Category, rider: User, given: dict, id_consent: bool) -> dict:
    """One family member's rules, answers and ID, as a sign-up of their own; their cleaned answers."""
    rider_check(category=category, rider=rider)
    cleaned = answers_clean(event=category.event, answers=given)
    _identity(category.event, rider, cleaned, id_consent=id_consent, fill_profile=False)
    return cleaned


@transaction.atomic
def registrations_create_family(*, category: Category, adult: User, members: list[tuple[User, dict]] | None = None,
                                companions: list[dict] | None = None, adult_rides: bool = True,
                                adult_answers: dict | None = None, accept_waiver: bool = False,
                                guardian_consent: bool = False, id_consent: bool = False,
                                friends: list[User] | None = None) -> list[Registration]:
    """An adult registers companions (family, friends; each their own profile and answers) with or
    without themselves: every seat or none, under the category lock as team entries. Friends with
    their own account get a held seat they confirm themselves (their answers, their waiver), as a
    team member does; companions without one are the adult's to answer for. A child under
    18 rides only with the consent of their guardian, the registering adult; the adult accepts the
    waiver for everyone and pays for everyone (their orders are the adult's)."""
    event = category.event
    friends = [f for f in (friends or []) if f.pk != adult.pk]
    # companions without an account (page and API alike): made here, so their profiles exist only
    # with their seats (the whole entry rolls back on any refusal)
    members = list(members or []) + [
        (companion_create(guardian=adult, real_name=c["real_name"], gender=c["gender"],
                          date_of_birth=c["date_of_birth"], mobile=c.get("mobile", "")), c.get("answers") or {})
        for c in companions or []]
    if not members and not friends:
        raise ServiceError(_("Add at least one companion."), RegistrationCode.EMPTY_GROUP)
    _window_check(event)
    for friend in friends:
        _named(friend, rider_check, category=category, rider=friend)
    if event.waiver_text and not accept_waiver:
        raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
    day = event.starts_at.date()
    adult_age = adult.age_on(day)
    riders: list[tuple[User, dict]] = ([(adult, adult_answers or {})] if adult_rides else []) + list(members)
    checked: list[tuple[User, dict, bool]] = []
    for rider, given in riders:
        minor = rider.pk != adult.pk and (rider.age_on(day) or 0) < ADULT_AGE
        if minor and (rider.guardian_id != adult.pk or adult_age is None or adult_age < ADULT_AGE):
            raise ServiceError(_("%(name)s is under 18: only their guardian, an adult, can register them.")
                               % {"name": rider.public_name}, RegistrationCode.GUARDIAN, field="members")
        if minor and not guardian_consent:
            raise ServiceError(_("As the guardian, consent to %(name)s riding to register them.")
                               % {"name": rider.public_name}, RegistrationCode.GUARDIAN, field="guardian_consent")
        cleaned = cast(dict, _named(rider, _member_checks, category=category, rider=rider, given=given,
                                    id_consent=id_consent))
        checked.append((rider, cleaned, minor))
    locked = lock_category(category)
    free = _group_seats(locked, [r for r, _a, _m in checked] + friends)
    if free < len(checked) + len(friends):
        raise ServiceError(_("Only %(free)s seats are left in this category for %(count)s riders: nobody was "
                             "registered.") % {"free": max(free, 0), "count": len(checked) + len(friends)},
                           RegistrationCode.NOT_ENOUGH_SEATS)
    now = timezone.now()
    fee = locked.fee_fen
    pay_by = payment_deadline(event, now) if fee else None
    made = []
    for rider, cleaned, minor in checked:
        registration = Registration.objects.create(
            event=event, category=locked, rider=rider, bib=take_bib(locked), queued_at=now, answers=cleaned,
            status=Registration.Status.AWAITING if fee else Registration.Status.CONFIRMED,
            confirmed_at=None if fee else now, hold_expires_at=pay_by, checkin_key=new_checkin_key(),
            waiver_accepted_at=now if accept_waiver else None, guardian_consent_at=now if minor else None,
            id_consent_at=now if _gives_id(event, cleaned) else None)
        registration_created(registration, by=adult, why="family entry")
        if pay_by is not None:
            payments_port.seat_money.seat_held(registration=registration, amount_fen=fee, deadline=pay_by)
        mail_on_commit(registration.pk, registration.status)
        made.append(registration)
    deadline = hold_deadline(event, now)
    for friend in friends:  # their seat is held until they confirm it themselves
        made.append(Registration.objects.create(
            event=event, category=locked, rider=friend, status=Registration.Status.HELD, bib=take_bib(locked),
            queued_at=now, hold_expires_at=deadline, checkin_key=new_checkin_key()))
        registration_created(made[-1], by=adult, why="family entry: held for a friend")
        mail_on_commit(made[-1].pk, "group_entry")
    Category.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + len(made))
    return made
