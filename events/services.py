"""Writes for events: creating and publishing events, registration with exact capacity, waitlist
promotion, category switches, transfers, bibs, check-in and results.

Capacity-limited writes lock the category row (SELECT ... FOR UPDATE), re-check inside the same
transaction and only then write; a repeat by the same rider returns the registration they
already have, and a partial unique index backs "one active registration per rider per event".
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts.models import User
from cycling.slugs import unique_slug
from events import idcard
from events.models import Category, Event, Notification, Outbox, Question, Registration

# Test-only hook: the race tests' negative control switches the row lock off to show that the
# race is real and that the tests catch it. Never changed outside tests.
LOCK_CATEGORY_ROWS = True
# Test-only hook, called between counting the seats and writing: the negative control parks
# every thread there to make the unlocked race certain. None in production.
AFTER_SEAT_COUNT = None
CHECKIN_SALT = "events.checkin"
RESERVED_SLUGS = frozenset({"new", "mine", "feed", "registrations"})  # path segments of events/urls.py


class RegistrationError(ValidationError):
    """A refused registration step; the message is already in the rider's language."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)
        self.error_code = code


# --- events -------------------------------------------------------------------------------------

def _default_bib_ranges(capacities: list[int]) -> list[tuple[int, int]]:
    """Consecutive blocks of whole thousands: 1-1000, 1001-2000 ... (a block grows to fit)."""
    ranges, start = [], 1
    for capacity in capacities:
        size = max(1000, -(-capacity // 1000) * 1000)
        ranges.append((start, start + size - 1))
        start += size
    return ranges


def _check_bib_ranges(categories: list[Category]) -> None:
    spans = sorted((c.bib_start, c.bib_end, c) for c in categories)
    for (_s1, end1, c1), (start2, _e2, c2) in pairwise(spans):
        if start2 <= end1:
            raise ValidationError(_("Bib ranges of %(a)s and %(b)s overlap.") % {"a": c1.name, "b": c2.name})
    for start, end, category in spans:
        if end - start + 1 < category.capacity:
            raise ValidationError(_("The bib range of %(name)s is smaller than its capacity.")
                                  % {"name": category.name})


@transaction.atomic
def event_create(*, created_by: User, title: str, kind: str, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, registration_opens_at: datetime.datetime,
                 registration_closes_at: datetime.datetime, categories: list[dict],
                 questions: list[dict] | None = None, slug: str = "", **fields) -> Event:
    """An event in draft with its categories (each pinning a route version) and questions."""
    if not categories:
        raise ValidationError(_("An event needs at least one category."))
    event = Event(created_by=created_by, title=title, kind=kind, starts_at=starts_at, ends_at=ends_at,
                  registration_opens_at=registration_opens_at, registration_closes_at=registration_closes_at,
                  slug=slug or unique_slug(Event, fields.get("title_en") or title, fallback="event",
                                                 reserved=RESERVED_SLUGS), **fields)
    event.full_clean()
    event.save()
    event.organizers.add(created_by)
    ranges = _default_bib_ranges([int(c["capacity"]) for c in categories])
    made = []
    for position, (spec, (start, end)) in enumerate(zip(categories, ranges)):
        spec = dict(spec)
        category = Category(event=event, position=position, bib_start=spec.pop("bib_start", start),
                            bib_end=spec.pop("bib_end", end), **spec)
        category.next_bib = category.bib_start
        category.full_clean()
        made.append(category)
    _check_bib_ranges(made)
    Category.objects.bulk_create(made)
    for position, spec in enumerate(questions or []):
        question = Question(event=event, position=position, **spec)
        question.full_clean()
        question.save()
    return event


@transaction.atomic
def event_update(*, event: Event, **fields) -> Event:
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    from events.selectors import signup_cache_clear

    transaction.on_commit(signup_cache_clear)
    return event


@transaction.atomic
def category_update(*, category: Category, **fields) -> Category:
    """Change capacity, bib range or limits; more seats go to the waitlist at once, in order."""
    locked = lock_category(category)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    siblings = [locked if c.pk == locked.pk else c for c in Category.objects.filter(event_id=locked.event_id)]
    _check_bib_ranges(siblings)
    if not locked.bib_start <= locked.next_bib <= locked.bib_end + 1:
        top = (Registration.objects.filter(category=locked, bib__gte=locked.bib_start, bib__lte=locked.bib_end)
               .order_by("-bib").values_list("bib", flat=True).first())
        locked.next_bib = (top or locked.bib_start - 1) + 1
    locked.save()
    _promote(locked)
    from events.selectors import signup_cache_clear

    transaction.on_commit(signup_cache_clear)
    return locked


def event_publish(*, event: Event) -> Event:
    if event.status != Event.Status.DRAFT:
        raise ValidationError(_("Only a draft event can be published."))
    return event_update(event=event, status=Event.Status.PUBLISHED)


def event_registration_pause(*, event: Event, paused: bool) -> Event:
    return event_update(event=event, registration_paused=paused)


@transaction.atomic
def event_cancel(*, event: Event, reason: str = "") -> Event:
    """Cancel the event and every registration; everyone registered is told (queued on commit)."""
    if event.status == Event.Status.CANCELLED:
        return event
    event_update(event=event, status=Event.Status.CANCELLED, cancelled_reason=reason)
    now = timezone.now()
    active = list(event.registrations.filter(status__in=Registration.ACTIVE).values_list("pk", flat=True))
    Registration.objects.filter(pk__in=active).update(status=Registration.Status.CANCELLED, cancelled_at=now,
                                                      bib=None)
    Category.objects.filter(event=event).update(confirmed_count=0)
    for pk in active:
        mail_on_commit(pk, "event_cancelled")
    return event


def event_complete(*, event: Event) -> Event:
    """Mark the event completed; its participation statistics are recomputed after commit."""
    from industry.tasks import compute_event_stats

    event = event_update(event=event, status=Event.Status.COMPLETED)
    compute_event_stats.delay_on_commit(event.pk)
    return event


# --- registration -------------------------------------------------------------------------------

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


def check_rider(category: Category, rider: User) -> None:
    event_day = timezone.localtime(category.event.starts_at).date()
    if category.min_age is not None or category.max_age is not None:
        age = rider.age_on(event_day)
        if age is None:
            raise RegistrationError(_("This category has an age limit: add your date of birth to your profile "
                                      "first."), "age_unknown")
        if category.min_age is not None and age < category.min_age:
            raise RegistrationError(_("You must be at least %(age)s on the event day.") % {"age": category.min_age},
                                    "too_young")
        if category.max_age is not None and age > category.max_age:
            raise RegistrationError(_("This category is for riders up to %(age)s on the event day.")
                                    % {"age": category.max_age}, "too_old")
    if category.gender and rider.gender != category.gender:
        message = (_("This category is for women only.") if category.gender == Category.Gender.FEMALE
                   else _("This category is for men only."))
        raise RegistrationError(message, "gender")


def _is_club_member(event: Event, rider: User) -> bool:
    from clubs.models import Membership

    return Membership.objects.filter(club_id=event.club_id, user=rider, state=Membership.State.ACTIVE).exists()


def answers_clean(*, event: Event, answers: dict) -> dict:
    """Validate answers against the event's questions; returns them normalised. Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    answers = answers or {}
    questions = list(event.questions.all())
    for question in questions:
        raw = answers.get(question.key)
        if raw in (None, "", []):
            if question.required and question.kind != Question.Kind.YES_NO:
                errors[question.key] = [_("This question is required.")]
            elif question.required:
                errors[question.key] = [_("Answer yes or no.")]
            continue
        try:
            cleaned[question.key] = _answer(question, raw)
        except ValueError as exc:
            errors[question.key] = [str(exc)]
    unknown = set(answers) - {q.key for q in questions}
    for key in unknown:
        errors[key] = [_("There is no such question.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _answer(question: Question, raw):
    kind = question.kind
    if kind == Question.Kind.TEXT:
        text = str(raw).strip()
        if len(text) > 500:
            raise ValueError(_("Keep the answer under 500 characters."))
        return text
    if kind == Question.Kind.CHOICE:
        if str(raw) not in [str(c) for c in question.choices]:
            raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, question.choices))})
        return str(raw)
    if kind == Question.Kind.NUMBER:
        try:
            number = Decimal(str(raw))
        except ArithmeticError as exc:
            raise ValueError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        return float(number)
    if kind == Question.Kind.DATE:
        try:
            return datetime.date.fromisoformat(str(raw)).isoformat()
        except ValueError as exc:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == Question.Kind.YES_NO:
        value = str(raw).lower()
        if value in ("true", "1", "yes", "on", "是"):
            return True
        if value in ("false", "0", "no", "off", "否"):
            return False
        raise ValueError(_("Answer yes or no."))
    if kind == Question.Kind.BRAND:
        from industry.models import Brand

        brand = Brand.objects.filter(Q(slug=str(raw)) | Q(name=str(raw)) | Q(name_en__iexact=str(raw))).first()
        if brand is None:
            raise ValueError(_("Choose a brand from the list."))
        return brand.slug
    if kind == Question.Kind.NATIONAL_ID:
        value = str(raw).strip().upper()
        if not idcard.is_valid(value):
            raise ValueError(_("This is not a valid mainland ID number (18 characters with a correct check "
                               "digit)."))
        return value
    raise ValueError(_("Unknown question type."))


def lock_category(category: Category) -> Category:
    return Category.objects.select_for_update().get(pk=category.pk)


def _confirmed_count(category: Category) -> int:
    return Registration.objects.filter(category=category, status=Registration.Status.CONFIRMED).count()


def _free_bib(category: Category) -> int:
    """The lowest bib of the range nobody holds (the cursor ran out); category row locked."""
    used = set(Registration.objects.filter(event_id=category.event_id, bib__gte=category.bib_start,
                                           bib__lte=category.bib_end).values_list("bib", flat=True))
    for number in range(category.bib_start, category.bib_end + 1):
        if number not in used:
            return number
    raise RegistrationError(_("No bib numbers are left in this category's range."), "bibs_exhausted")


def recount(category: Category) -> Category:
    """Make the counter match the rows; the category row must be locked."""
    category.confirmed_count = _confirmed_count(category)
    Category.objects.filter(pk=category.pk).update(confirmed_count=category.confirmed_count)
    return category


def take_bib(category: Category) -> int:
    """Next bib for a confirmation made under the category lock (promotion, switch)."""
    if category.next_bib <= category.bib_end:
        bib = category.next_bib
        category.next_bib += 1
        Category.objects.filter(pk=category.pk).update(next_bib=category.next_bib)
        return bib
    return _free_bib(category)


_CLAIM_SEAT = (
    "UPDATE events_category SET confirmed_count = confirmed_count + 1, next_bib = next_bib + 1 "
    "WHERE id = %s AND confirmed_count < capacity AND next_bib <= bib_end RETURNING next_bib - 1"
)


def _claim_seat(category: Category) -> int | None:
    """Take a seat and a bib in one conditional UPDATE, or None when the category is full.

    The UPDATE locks the row, re-checks `confirmed_count < capacity` on the latest committed
    version and moves the counter in the same statement, so no two transactions can take the
    same seat. When the bib cursor has run out (after cancellations) the row is locked and a
    free bib is searched instead.
    """
    if not LOCK_CATEGORY_ROWS:
        return _claim_seat_unlocked(category)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SEAT, [category.pk])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    locked = lock_category(category)
    if locked.confirmed_count >= locked.capacity:
        return None
    bib = _free_bib(locked)
    Category.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + 1)
    return bib


def _claim_seat_unlocked(category: Category) -> int | None:
    """Read, decide in Python, write: the race the negative control demonstrates. Tests only."""
    current = Category.objects.get(pk=category.pk)
    if AFTER_SEAT_COUNT is not None:
        AFTER_SEAT_COUNT()
    if current.confirmed_count >= current.capacity:
        return None
    Category.objects.filter(pk=category.pk).update(confirmed_count=current.confirmed_count + 1,
                                                   next_bib=current.next_bib + 1)
    return current.next_bib


# PostgreSQL: claim the seat and insert the registration in one statement (a data-modifying CTE),
# so a sign-up is a single round trip and a single implicit transaction. If the INSERT fails
# (the rider's concurrent repeat hit the unique index) the seat claim is undone with it.
SINGLE_STATEMENT_CLAIM = True
_CLAIM_AND_INSERT = """
WITH seat AS (
    UPDATE events_category SET confirmed_count = confirmed_count + 1, next_bib = next_bib + 1
    WHERE id = %(category)s AND confirmed_count < capacity AND next_bib <= bib_end
    RETURNING next_bib - 1 AS bib
), reg AS (
    INSERT INTO events_registration (event_id, category_id, rider_id, status, bib, answers, waiver_accepted_at,
                                     created_at, queued_at, confirmed_at, result)
    SELECT %(event)s, %(category)s, %(rider)s,
           CASE WHEN seat.bib IS NULL THEN 'waitlisted' ELSE 'confirmed' END, seat.bib, %(answers)s::jsonb,
           %(waiver)s, %(now)s, %(now)s, CASE WHEN seat.bib IS NULL THEN NULL ELSE %(now)s END, ''
    FROM (SELECT 1) AS one LEFT JOIN seat ON TRUE
    WHERE seat.bib IS NOT NULL OR %(waitlist)s
    RETURNING id, status, bib
), mail AS (
    INSERT INTO events_outbox (registration_id, kind, created_at) SELECT id, status, %(now)s FROM reg
)
SELECT id, status, bib FROM reg
"""


def _insert_single_statement(registration: Registration) -> bool:
    """Claim and insert at once; False when the category is full and has no waitlist."""
    now = registration.queued_at
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_AND_INSERT, {
            "category": registration.category_id, "event": registration.event_id, "rider": registration.rider_id,
            "answers": json.dumps(registration.answers), "waiver": registration.waiver_accepted_at, "now": now,
            "waitlist": registration.category.waitlist_enabled,
        })
        row = cursor.fetchone()
    if row is None:
        return False
    registration.pk, registration.status, registration.bib = row
    registration.created_at = now
    registration.confirmed_at = now if registration.status == Registration.Status.CONFIRMED else None
    registration._state.adding = False
    registration._state.db = "default"
    return True


def mail_on_commit(registration_id: int, kind: str) -> None:
    """Queue an e-mail: an outbox row in the caller's transaction, and a send once it commits."""
    Outbox.objects.create(registration_id=registration_id, kind=kind, created_at=timezone.now())
    _outbox_kick_on_commit()


_last_kick = 0.0
KICK_INTERVAL = 1.0


def _outbox_kick_on_commit() -> None:
    transaction.on_commit(_outbox_kick)


def _outbox_kick() -> None:
    """Queue the outbox task, at most once per KICK_INTERVAL per process: a sign-up rush queues a
    few tasks a second, not one per rider. The task is delayed to the end of the interval, so
    it also sends the e-mails of every sign-up that did not queue one."""
    global _last_kick
    from django.conf import settings

    from events.tasks import send_outbox

    if settings.CELERY_TASK_ALWAYS_EAGER:
        send_outbox.delay()
        return
    now = time.monotonic()
    if now - _last_kick >= KICK_INTERVAL:
        _last_kick = now
        send_outbox.apply_async(countdown=KICK_INTERVAL)


def _active_registration(event: Event, rider: User) -> Registration | None:
    return Registration.objects.filter(event=event, rider=rider, status__in=Registration.ACTIVE).first()


def registration_create(*, event: Event, category: Category, rider: User, answers: dict | None = None,
                        accept_waiver: bool = False, language: str | None = None) -> tuple[Registration, bool]:
    """Register a rider; returns (registration, created). A repeat returns the existing one.

    The hot path of a registration rush: the checks need no query but the questions, then one
    transaction claims a seat (conditional UPDATE) and inserts the row. The partial unique index
    on (event, rider) turns a concurrent repeat into an IntegrityError: the transaction, seat
    claim included, rolls back and the rider gets the registration they already have.
    """
    if category.event_id != event.pk:
        raise RegistrationError(_("This category belongs to another event."), "wrong_event")
    try:
        problem = registration_window_error(event)
        if problem:
            raise RegistrationError(problem, "closed")
        if event.waiver_text and not accept_waiver:
            raise RegistrationError(_("Accept the waiver to register."), "waiver")
        check_rider(category, rider)
        if event.members_only and not _is_club_member(event, rider):
            raise RegistrationError(_("This ride is for members of the club."), "members_only")
        cleaned = answers_clean(event=event, answers=answers or {})
    except ValidationError:
        existing = _active_registration(event, rider)  # a repeat after the window closed is still a repeat
        if existing:
            return existing, False
        raise
    if language and language != rider.language:
        User.objects.filter(pk=rider.pk).update(language=language)
    now = timezone.now()
    registration = Registration(event=event, category=category, rider=rider, answers=cleaned, queued_at=now,
                                waiver_accepted_at=now if accept_waiver else None)
    single = SINGLE_STATEMENT_CLAIM and LOCK_CATEGORY_ROWS and connection.vendor == "postgresql"
    # One statement is its own transaction; a savepoint is only needed inside a caller's transaction
    outer = transaction.atomic() if (not single or connection.in_atomic_block) else contextlib.nullcontext()
    try:
        with outer:
            if single:  # the statement also writes the outbox row
                if not _insert_single_statement(registration):
                    raise RegistrationError(_("This category is full."), "full")
                _outbox_kick_on_commit()
            else:
                _insert_two_statements(registration)
                mail_on_commit(registration.pk, registration.status)
    except IntegrityError:
        existing = _active_registration(event, rider)
        if existing is None:
            raise
        return existing, False
    return registration, True


def _insert_two_statements(registration: Registration) -> None:
    """Claim a seat, then insert; inside the caller's transaction (any database)."""
    bib = _claim_seat(registration.category)
    now = registration.queued_at
    if bib is not None:
        registration.status, registration.confirmed_at, registration.bib = Registration.Status.CONFIRMED, now, bib
    elif registration.category.waitlist_enabled:
        registration.status = Registration.Status.WAITLISTED
    else:
        raise RegistrationError(_("This category is full."), "full")
    registration.save(force_insert=True)


def _promote(category: Category) -> list[Registration]:
    """Confirm waitlisted riders, first come first served, one per free seat (category locked)."""
    recount(category)
    free = category.capacity - category.confirmed_count
    if free <= 0:
        return []
    promoted = list(Registration.objects.filter(category=category, status=Registration.Status.WAITLISTED)
                    .order_by("queued_at", "pk")[:free])
    now = timezone.now()
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = now
        registration.bib = take_bib(category)
        registration.save(update_fields=["status", "confirmed_at", "bib"])
        mail_on_commit(registration.pk, "promoted")
    recount(category)
    return promoted


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    """Cancel; a freed seat goes to the next waitlisted rider in the same transaction."""
    category = lock_category(registration.category)
    registration = Registration.objects.get(pk=registration.pk)  # re-read under the lock
    if registration.status == Registration.Status.CANCELLED:
        return registration
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.bib = None
    registration.save(update_fields=["status", "cancelled_at", "bib"])
    mail_on_commit(registration.pk, "cancelled")
    if was_confirmed:
        _promote(category)
    return registration


@transaction.atomic
def registration_change_category(*, registration: Registration, category: Category) -> Registration:
    """Move to another category of the same event under the same rules as a new registration."""
    if category.event_id != registration.event_id:
        raise RegistrationError(_("This category belongs to another event."), "wrong_event")
    if category.pk == registration.category_id:
        return registration
    problem = registration_window_error(registration.event)
    if problem:
        raise RegistrationError(problem, "closed")
    check_rider(category, registration.rider)
    first, second = sorted([registration.category_id, category.pk])
    # always lock the lower id first, so two switches in opposite directions cannot deadlock
    locked = {c.pk: c for c in (lock_category(Category(pk=first)), lock_category(Category(pk=second)))}
    old, new = locked[registration.category_id], locked[category.pk]
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status not in Registration.ACTIVE:
        raise RegistrationError(_("This registration is cancelled."), "cancelled")
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    now = timezone.now()
    seat_free = _confirmed_count(new) < new.capacity  # counted before this registration moves in
    registration.category = new
    registration.bib = None
    registration.save(update_fields=["category", "bib"])
    if seat_free:
        registration.status, registration.confirmed_at = Registration.Status.CONFIRMED, now
        registration.bib = take_bib(new)
    elif new.waitlist_enabled:
        registration.status, registration.queued_at = Registration.Status.WAITLISTED, now
    else:
        raise RegistrationError(_("This category is full."), "full")
    registration.save(update_fields=["status", "confirmed_at", "queued_at", "bib"])
    mail_on_commit(registration.pk, registration.status)
    recount(new)
    if was_confirmed:
        _promote(old)
    return registration


@transaction.atomic
def registration_transfer(*, registration: Registration, to_rider: User) -> Registration:
    """Hand a registration (seat, bib, answers) to another rider before the organizer's deadline."""
    event = registration.event
    if event.transfer_deadline is None or timezone.now() > event.transfer_deadline:
        raise RegistrationError(_("Transfers are not possible for this event now."), "transfer_closed")
    category = lock_category(registration.category)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status not in Registration.ACTIVE:
        raise RegistrationError(_("This registration is cancelled."), "cancelled")
    if to_rider.pk == registration.rider_id:
        return registration
    if Registration.objects.filter(event=event, rider=to_rider, status__in=Registration.ACTIVE).exists():
        raise RegistrationError(_("That rider is already registered for this event."), "already_registered")
    check_rider(category, to_rider)
    registration.transferred_from_id = registration.rider_id
    registration.rider = to_rider
    registration.checked_in_at = None
    registration.save(update_fields=["rider", "transferred_from", "checked_in_at"])
    mail_on_commit(registration.pk, "transferred")
    return registration


@transaction.atomic
def bibs_renumber(*, event: Event) -> int:
    """Give every confirmed rider a bib from their category's range, in order of confirmation."""
    categories = list(Category.objects.select_for_update().filter(event=event))
    _check_bib_ranges(categories)
    Registration.objects.filter(event=event).update(bib=None)
    count = 0
    for category in categories:
        riders = list(Registration.objects.filter(category=category, status=Registration.Status.CONFIRMED)
                      .order_by("confirmed_at", "pk"))
        for number, registration in zip(range(category.bib_start, category.bib_end + 1), riders):
            registration.bib = number
        Registration.objects.bulk_update(riders, ["bib"])
        Category.objects.filter(pk=category.pk).update(confirmed_count=len(riders),
                                                       next_bib=category.bib_start + len(riders))
        count += len(riders)
    return count


# --- check-in -----------------------------------------------------------------------------------

def checkin_code(registration: Registration) -> str:
    """The code in the rider's QR: the registration id and a 12-character signature."""
    signature = signing.Signer(salt=CHECKIN_SALT).signature(str(registration.pk))[:12]
    return f"{registration.pk}-{signature}"


@dataclass
class CheckinResult:
    outcome: str  # "checked_in", "already", "invalid"
    registration: Registration | None = None
    at: datetime.datetime | None = None


_CODE = re.compile(r"(\d+)-([A-Za-z0-9_-]{12})")


@transaction.atomic
def checkin(*, event: Event, code: str) -> CheckinResult:
    match = _CODE.search(code.strip())
    if not match:
        return CheckinResult("invalid")
    pk, signature = match.groups()
    expected = signing.Signer(salt=CHECKIN_SALT).signature(pk)[:12]
    if not constant_time_compare(signature, expected):
        return CheckinResult("invalid")
    registration = (Registration.objects.select_for_update().select_related("rider", "category")
                    .filter(pk=int(pk), event=event, status=Registration.Status.CONFIRMED).first())
    if registration is None:
        return CheckinResult("invalid")
    if registration.checked_in_at:
        return CheckinResult("already", registration, registration.checked_in_at)
    registration.checked_in_at = timezone.now()
    registration.save(update_fields=["checked_in_at"])
    return CheckinResult("checked_in", registration, registration.checked_in_at)


# --- results ------------------------------------------------------------------------------------

@dataclass
class ResultsImport:
    applied: int = 0
    errors: list[str] = field(default_factory=list)


_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def _seconds(text: str) -> int | None:
    match = _TIME.match(text)
    if not match:
        return None
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if minutes >= 60 or seconds >= 60:
        return None
    return hours * 3600 + minutes * 60 + seconds


@transaction.atomic
def results_import(*, event: Event, data: bytes) -> ResultsImport:
    """CSV rows `bib,time` (H:MM:SS) or `bib,DNF|DNS|DSQ`; nothing is applied unless every row is good."""
    report = ResultsImport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(_("The file is not UTF-8 text."))
        return report
    by_bib = {r.bib: r for r in event.registrations.filter(status=Registration.Status.CONFIRMED, bib__isnull=False)}
    seen: set[int] = set()
    updates = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_number == 1 and row[0].strip().lower() in ("bib", "号码", "号码布"):
            continue
        if len(row) < 2:
            report.errors.append(_("Line %(line)s: expected a bib and a time or DNF/DNS/DSQ.") % {"line": line_number})
            continue
        bib_text, value = row[0].strip(), row[1].strip()
        if not bib_text.isdigit() or int(bib_text) not in by_bib:
            report.errors.append(_("Line %(line)s: no confirmed rider has bib %(bib)s.")
                                 % {"line": line_number, "bib": bib_text})
            continue
        bib = int(bib_text)
        if bib in seen:
            report.errors.append(_("Line %(line)s: bib %(bib)s appears twice.") % {"line": line_number, "bib": bib})
            continue
        seen.add(bib)
        registration = by_bib[bib]
        if value.upper() in ("DNF", "DNS", "DSQ"):
            registration.result, registration.finish_seconds = value.lower(), None
        elif (seconds := _seconds(value)) is not None:
            registration.result, registration.finish_seconds = Registration.Result.FINISHED, seconds
        else:
            report.errors.append(_("Line %(line)s: \"%(value)s\" is not a time (H:MM:SS) or DNF/DNS/DSQ.")
                                 % {"line": line_number, "value": value})
            continue
        updates.append(registration)
    if not updates and not report.errors:
        report.errors.append(_("The file has no result rows."))
    if report.errors:
        return report
    Registration.objects.filter(event=event).update(result="", finish_seconds=None)
    Registration.objects.bulk_update(updates, ["result", "finish_seconds"])
    report.applied = len(updates)
    return report


def notification_claim(key: str) -> bool:
    """True once per key: the caller may send; False when it was sent before (a retried task)."""
    try:
        with transaction.atomic():
            Notification.objects.create(key=key)
    except IntegrityError:
        return False
    return True
