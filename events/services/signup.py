"""Sign-up of one rider: the registration window and the rider checks, an entry code, a ballot entry,
the identity a national-ID question needs, and answers given later."""

from __future__ import annotations

import contextlib
import datetime
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import instances, memberships
from core.errors import ServiceError
from core.parse import typed_code
from events import payments_port
from events.models import Ballot, Category, EntryCode, Event, Question, Registration
from events.selectors.extras import document_approved, fee_in_force, licence_held, new_entry_fen
from events.services.answers import answers_clean, event_questions, identity_check
from events.services.errors import RegistrationCode
from events.services.extras import coupon_for, extras_take, items_chosen, items_known
from events.services.outbox import mail_on_commit, outbox_kick_on_commit
from events.services.seats import (
    claim_seat,
    insert_single_statement,
    insert_two_statements,
    lock_category,
    new_checkin_key,
    seat_bib,
    single_statement_possible,
    take_bib,
)
from events.services.status import (
    registration_created,
)


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
    if category.min_age is not None or category.max_age is not None:
        age = rider.age_on(timezone.localtime(event.starts_at).date())  # on the event day
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
    if category.document_required and not document_approved(event=event, rider_id=rider.pk,
                                                             kind=category.document_required):
        raise ServiceError(_("This category needs your %(document)s approved by the organizer first: upload it on "
                             "the event's page.") % {"document": category.get_document_required_display()},
                           RegistrationCode.DOCUMENT)
    if category.licensed_barred and licence_held(rider_id=rider.pk):
        raise ServiceError(_("This category is for amateurs: riders with a CCA licence may not enter."),
                           RegistrationCode.LICENSED)


def insurance_choice(event: Event, asked: str) -> str:
    """The insurance an entry has: the rider's own where the event allows it and they chose so,
    else the event's where it sells one (none otherwise)."""
    if asked == "own":
        if not event.own_insurance_allowed:
            raise ServiceError(_("This event does not accept riders' own insurance."), RegistrationCode.INSURANCE,
                               field="insurance")
        return "own"
    return "event" if (event.insurance_fen or event.insurance_policy) else ""


def _active_registration(event: Event, rider: User) -> Registration | None:
    return Registration.objects.filter(event=event, rider=rider, status__in=Registration.ACTIVE).first()


def registration_create(*, event: Event, category: Category, rider: User, answers: dict | None = None,
                        accept_waiver: bool = False, language: str | None = None, id_consent: bool = False,
                        fill_profile: bool = False, code: str = "", coupon: str = "",
                        addons: dict[int, int] | None = None, insurance: str = "") -> tuple[Registration, bool]:
    """Register a rider; returns (registration, created). A repeat returns the existing one.

    What the entry includes (issue 30): the fee in force now (price tiers), a coupon's discount,
    add-ons in the sizes chosen ({add-on id: variant id}) and the insurance; their sum is what the
    held seat's order asks (its lines). Stock and the coupon's limits are taken after the seat, in
    its transaction: a size sold out undoes the seat too.

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
        cover = insurance_choice(event, insurance)
        picked = items_chosen(event=event, category=category, chosen=addons or {})
        if coupon.strip() and code.strip():
            raise ServiceError(_("A coupon cannot be used with an entry code."), RegistrationCode.COUPON,
                               field="coupon")
        if coupon.strip() and category.mode == Category.Mode.BALLOT:
            raise ServiceError(_("Coupons are not taken for ballot entries."), RegistrationCode.COUPON, field="coupon")
        used = coupon_for(event=event, category=category, rider=rider, code=coupon) if coupon.strip() else None
    except ValidationError:
        existing = _active_registration(event, rider)  # a repeat after the window closed is still a repeat
        if existing:
            return existing, False
        raise
    if language and language != rider.language:
        User.objects.filter(pk=rider.pk).update(language=language)
    now = timezone.now()
    if code.strip():  # an entry code: a seat (reserved or open) whatever the mode, at the code's price
        return _code_entry(event, category, rider, cleaned, accept_waiver, now, code, cover, picked)
    if category.mode == Category.Mode.BALLOT:
        return _ballot_entry(event, category, rider, cleaned, accept_waiver, now, cover)
    price = fee_in_force(category, now).fee_fen
    discount = used.discount_on(price) if used else 0
    registration = instances.new(  # (the keyword constructor's work in a third of the time: core/instances.py)
        Registration, event=event, category=category, rider=rider, answers=cleaned, queued_at=now,
        waiver_accepted_at=now if accept_waiver else None, checkin_key=new_checkin_key(),
        id_consent_at=now if _gives_id(event, cleaned) else None, price_fen=price, coupon=used,
        discount_fen=discount, insurance=cover)
    fee = new_entry_fen(event=event, fee_fen=price, discount_fen=discount, addons=[a for a, _v in picked],
                        cover=cover)
    pay_by = now + datetime.timedelta(minutes=event.payment_minutes) if fee else None
    # On PostgreSQL a seat with nothing bought with it is one statement, which also writes the held
    # seat's order (payments' part); outside any transaction it is its own. Otherwise one transaction
    # (a savepoint inside the caller's): the order after the seat, or the two statements.
    one_statement = single_statement_possible(category)
    bare = one_statement and not used and not picked  # nothing bought with the seat
    held = payments_port.seat_money.seat_held_in_statement(
        registration=registration, amount_fen=fee, deadline=cast(datetime.datetime, pay_by), seat="reg",
    ) if bare and fee else None
    alone = bare and (not fee or held is not None) and not transaction.get_connection().in_atomic_block
    try:
        with contextlib.nullcontext() if alone else transaction.atomic():
            if one_statement:  # the statement also writes the outbox row and the status history
                if not insert_single_statement(registration, pay_by=pay_by, held=held):
                    raise ServiceError(_("This category is full."), RegistrationCode.FULL)
                outbox_kick_on_commit(committed=alone)  # alone: the statement was its own transaction
            else:
                insert_two_statements(registration, pay_by=pay_by)
                registration_created(registration, by=rider, why="signed up")
                mail_on_commit(registration.pk, registration.status)
            if used is not None or picked:
                extras_take(registration=registration, coupon=used, picked=picked)
            elif fee and held is None:  # nothing bought: the order made below need not read the items
                items_known(registration, [])  # (`held` wrote it with the statement, its lines told so)
            if registration.status == Registration.Status.AWAITING and held is None:  # the answer shows it
                registration.held_order = payments_port.seat_money.seat_held(
                    registration=registration, amount_fen=fee, deadline=cast(datetime.datetime, pay_by))
    except IntegrityError:
        existing = _active_registration(event, rider)
        if existing is None:
            raise
        return existing, False
    return registration, True


def _code_entry(event: Event, category: Category, rider: User, answers: dict, accept_waiver: bool,
                now: datetime.datetime, code: str, cover: str, picked: list) -> tuple[Registration, bool]:
    """A registration with an entry code: the code is used by one conditional UPDATE (a code used
    up cannot be used again, however many riders race for it), in the transaction that takes the
    seat, from the code's reserve when it has one."""
    entry = EntryCode.objects.filter(event=event, code=typed_code(code)).first()
    if entry is None or entry.category_id != category.pk or entry.for_rider_id not in (None, rider.pk):
        raise ServiceError(_("This code is not valid for this category."), RegistrationCode.CODE_INVALID,
                           field="code")
    if entry.expires_at is not None and entry.expires_at <= now:
        raise ServiceError(_("This code has expired."), RegistrationCode.CODE_EXPIRED, field="code")
    price_fen = entry.price_fen if entry.price_fen is not None else fee_in_force(category, now).fee_fen
    fee = new_entry_fen(event=event, fee_fen=price_fen, addons=[a for a, _v in picked], cover=cover)
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
                claimed = claim_seat(locked)
                if claimed is None:
                    raise ServiceError(_("This category is full."), RegistrationCode.FULL)
                bib = seat_bib(locked, claimed)
            pay_by = now + datetime.timedelta(minutes=event.payment_minutes) if fee else None
            registration = Registration(
                event=event, category=category, rider=rider, answers=answers, queued_at=now, bib=bib,
                status=Registration.Status.AWAITING if fee else Registration.Status.CONFIRMED,
                confirmed_at=None if fee else now, hold_expires_at=pay_by, entry_code=entry,
                waiver_accepted_at=now if accept_waiver else None, checkin_key=new_checkin_key(),
                id_consent_at=now if _gives_id(event, answers) else None, price_fen=price_fen, insurance=cover)
            registration.save(force_insert=True)
            registration_created(registration, by=rider, why="signed up with an entry code")
            extras_take(registration=registration, coupon=None, picked=picked)
            if pay_by is not None:
                payments_port.seat_money.seat_held(registration=registration, amount_fen=fee, deadline=pay_by)
            mail_on_commit(registration.pk, registration.status)
    except IntegrityError:  # already registered: the code's use and the seat are undone with it
        existing = _active_registration(event, rider)
        if existing is None:
            raise
        return existing, False
    return registration, True


def _ballot_entry(event: Event, category: Category, rider: User, answers: dict, accept_waiver: bool,
                  now: datetime.datetime, cover: str) -> tuple[Registration, bool]:
    """An entry in a ballot: no seat yet, nothing confirmed until the draw."""
    if Ballot.objects.filter(category=category, drawn_at__isnull=False).exists():
        raise ServiceError(_("The draw has been made: entries are closed."), RegistrationCode.BALLOT_DRAWN)
    registration = Registration(event=event, category=category, rider=rider, answers=answers, queued_at=now,
                                checkin_key=new_checkin_key(), status=Registration.Status.ENTERED, insurance=cover,
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
    return bool(answers) and any(q.kind == Question.Kind.NATIONAL_ID and answers.get(q.key)
                                 for q in event_questions(event))


def _identity(event: Event, rider: User, answers: dict, *, id_consent: bool, fill_profile: bool) -> None:
    """The real-name checks (answers.identity_check); a profile filled from the ID is saved."""
    fill = identity_check(event=event, rider=rider, answers=answers, id_consent=id_consent, fill_profile=fill_profile)
    if fill:
        for name, value in fill.items():
            setattr(rider, name, value)
        User.objects.filter(pk=rider.pk).update(**fill)


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
