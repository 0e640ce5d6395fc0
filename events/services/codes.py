"""Entry codes: made by the organizer (N at once, or imported from a CSV), each for one category,
single or N-use, at another price or free, until a date; their seats may be reserved out of the
capacity so that the open sign-up cannot take them. Using one is registration_create(code=...)."""

from __future__ import annotations

import datetime
import decimal
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core import money
from core.csv import csv_rows_bounded
from core.errors import ServiceError
from core.imports import ImportReport
from core.parse import typed_code
from events.models import Category, EntryCode, Event
from events.services.errors import RegistrationCode
from events.services.seats import lock_category, promote

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed on phones


def _reserve(category: Category, seats: int) -> None:
    """Set seats aside for codes (category locked): only seats nobody holds."""
    free = category.capacity - category.confirmed_count - category.code_seats
    if seats > free:
        raise ServiceError(_("Only %(free)s seats are free to reserve for codes.") % {"free": max(0, free)},
                           RegistrationCode.CODE_RESERVE, field="reserve")
    Category.objects.filter(pk=category.pk).update(code_seats=F("code_seats") + seats)


@transaction.atomic
def entry_codes_create(*, event: Event, category: Category, count: int, uses: int = 1,
                       price_fen: int | None = None, expires_at: datetime.datetime | None = None,
                       reserve: bool = False, note: str = "") -> list[EntryCode]:
    """N codes for one category, each of `uses` uses, at `price_fen` (None: the category's fee; 0:
    a free entry), optionally with their seats reserved out of the capacity."""
    if price_fen is not None and price_fen < 0:
        raise ServiceError(_("The price cannot be negative."), RegistrationCode.CODE_INVALID, field="price_cny")
    if category.event_id != event.pk:
        raise ServiceError(_("This category belongs to another event."), RegistrationCode.WRONG_EVENT)
    if not 1 <= count <= 5000 or not 1 <= uses <= 1000:
        raise ServiceError(_("Make 1 to 5,000 codes of 1 to 1,000 uses each."), RegistrationCode.CODE_INVALID)
    locked = lock_category(category)
    if reserve:
        _reserve(locked, count * uses)
    taken = set(EntryCode.objects.filter(event=event).values_list("code", flat=True))
    codes: list[EntryCode] = []
    while len(codes) < count:
        value = "".join(secrets.choice(ALPHABET) for _ in range(8))
        if value not in taken:
            taken.add(value)
            codes.append(EntryCode(event=event, category=locked, code=value, uses_allowed=uses, price_fen=price_fen,
                                   expires_at=expires_at, reserved=reserve, note=note[:120]))
    return EntryCode.objects.bulk_create(codes)


def entry_codes_import(*, event: Event, data: bytes, reserve: bool = False) -> ImportReport:
    """A CSV of codes (code, category, uses, price_cny, valid_until, note): every row good or none
    stored, each refusal named by line."""
    report = ImportReport()
    rows, problem = csv_rows_bounded(data)
    if problem:
        report.errors.append(problem)
        return report
    categories = {c.name: c for c in event.categories.all()} | {str(c.pk): c for c in event.categories.all()}
    made: list[EntryCode] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        cells = [*row, "", "", "", "", "", ""][:6]
        code, category_name, uses, price, until, note = (cell.strip() for cell in cells)
        code = typed_code(code)
        category = categories.get(category_name)
        problem = None
        if not code or not code.isalnum() or not code.isascii():
            problem = _("the code must be letters and digits")
        elif code in seen:
            problem = _("the code appears twice")
        elif category is None:
            problem = _("no category %(name)s") % {"name": category_name}
        try:
            uses_n = int(uses or 1)
            price_d = money.fen(price) if price else None
        except (ValueError, decimal.InvalidOperation):
            problem = problem or _("uses and price must be numbers")
            uses_n, price_d = 1, None
        expires = parse_datetime(until.replace(" ", "T")) if until else None
        if until and expires is None:
            problem = problem or _("the date must look like 2026-12-31 23:59")
        if expires is not None and timezone.is_naive(expires):
            expires = timezone.make_aware(expires)
        if problem is None and (uses_n < 1 or (price_d is not None and not 0 <= price_d <= money.MAX_FEN)):
            problem = _("uses must be at least 1 and the price not negative")
        if problem:
            report.errors.append(_("Line %(line)s: %(problem)s.") % {"line": line, "problem": problem})
            continue
        seen.add(code)
        made.append(EntryCode(event=event, category=category, code=code, uses_allowed=uses_n, price_fen=price_d,
                              expires_at=expires, reserved=reserve, note=note[:120]))
    if report.errors or not made:
        if not made and not report.errors:
            report.errors.append(_("The file has no codes."))
        return report
    try:
        with transaction.atomic():
            if reserve:
                for category in {c.category for c in made}:
                    _reserve(lock_category(category), sum(c.uses_allowed for c in made if c.category == category))
            EntryCode.objects.bulk_create(made)
    except IntegrityError:
        report.errors.append(_("Some of these codes exist already for this event."))
        return report
    except ServiceError as error:
        report.errors.append(error.messages[0])
        return report
    report.applied = len(made)
    return report


@transaction.atomic
def entry_codes_release(*, category: Category) -> int:
    """Give the seats still reserved for codes back to everyone (the waitlist first)."""
    locked = lock_category(category)
    released = locked.code_seats
    Category.objects.filter(pk=locked.pk).update(code_seats=0)
    locked.code_seats = 0
    promote(locked)
    return released


@transaction.atomic
def deferral_codes_issue(*, from_event: Event, category: Category) -> list[EntryCode]:
    """One free, single-use code in this (next) edition's category for each rider who deferred from
    the earlier one, usable by that rider only, their seat reserved; each rider is told. Riders who
    have one already are skipped, so issuing again adds only new deferrals."""
    from events.models import Registration  # noqa: PLC0415
    from events.services.outbox import outbox_enqueue_to  # noqa: PLC0415

    event = category.event
    deferred = list(Registration.objects.filter(event=from_event, deferred_at__isnull=False)
                    .values_list("pk", "rider_id"))
    have = set(EntryCode.objects.filter(event=event, for_rider__isnull=False).values_list("for_rider_id", flat=True))
    new = [(pk, rider) for pk, rider in deferred if rider not in have]
    if not new:
        return []
    locked = lock_category(category)
    _reserve(locked, len(new))
    taken = set(EntryCode.objects.filter(event=event).values_list("code", flat=True))
    codes = []
    for _pk, rider in new:
        value = "".join(secrets.choice(ALPHABET) for _ in range(8))
        while value in taken:
            value = "".join(secrets.choice(ALPHABET) for _ in range(8))
        taken.add(value)
        codes.append(EntryCode(event=event, category=locked, code=value, uses_allowed=1, price_fen=0,
                               reserved=True, for_rider_id=rider, note=f"deferred from {from_event.title}"[:120]))
    made = EntryCode.objects.bulk_create(codes)
    for (pk, rider), _code in zip(new, made, strict=True):
        outbox_enqueue_to(pk, "deferral_code", rider)
    return made
