"""Seats and bibs: the one-statement claim, the category lock, recounts, promotion from the waitlist.

Capacity-limited writes lock the category row (SELECT ... FOR UPDATE) or claim with a
conditional UPDATE that re-checks `confirmed_count < capacity` on the latest committed row, so
no two transactions can take the same seat.
"""

from __future__ import annotations

import datetime
import json
import secrets
from itertools import pairwise

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import prepared
from core.errors import ServiceError
from events import payments_port, testutils
from events.bibs import bib_numbers
from events.models import Category, Event, LostBib, Registration
from events.payments_port import HeldInStatement
from events.selectors import entry_price_fen
from events.services.errors import EventCode, RegistrationCode
from events.services.outbox import TOPIC as OUTBOX_TOPIC
from events.services.outbox import mail_on_commit
from events.services.status import registration_move

BIB_BLOCK = 1000  # default bib ranges are whole blocks: 1-1000, 1001-2000 ...


def default_bib_ranges(capacities: list[int]) -> list[tuple[int, int]]:
    """Consecutive blocks of whole thousands: 1-1000, 1001-2000 ... (a block grows to fit)."""
    ranges, start = [], 1
    for capacity in capacities:
        size = max(BIB_BLOCK, -(-capacity // BIB_BLOCK) * BIB_BLOCK)
        ranges.append((start, start + size - 1))
        start += size
    return ranges


def bib_ranges_check(categories: list[Category]) -> None:
    spans = sorted(((c.bib_start, c.bib_end, c) for c in categories), key=lambda s: (s[0], s[1]))
    for (_s1, end1, c1), (start2, _e2, c2) in pairwise(spans):
        if start2 <= end1:
            raise ServiceError(_("Bib ranges of %(a)s and %(b)s overlap.") % {"a": c1.name, "b": c2.name},
                               EventCode.BIB_RANGES)
    for start, end, category in spans:
        if end - start + 1 < category.capacity:
            raise ServiceError(_("The bib range of %(name)s is smaller than its capacity.") % {"name": category.name},
                               EventCode.BIB_RANGES)


def lock_category(category: Category) -> Category:
    return Category.objects.select_for_update().get(pk=category.pk)


def lock_seat(registration: Registration, *, also: list[int] | tuple[int, ...] = ()) -> Registration:
    """Take the locks of docs/registration.md "Lock order" for one seat: its category (and the
    categories in `also`, a switch's target), lowest id first, then the registration row; returns the
    registration read again under them. A switch that moved it meanwhile is caught by the re-check."""
    for _attempt in range(3):
        category_id = Registration.objects.filter(pk=registration.pk).values_list("category_id", flat=True).get()
        for pk in sorted({category_id, *also}):
            Category.objects.select_for_update().only("pk").get(pk=pk)
        locked = (Registration.objects.select_for_update(of=("self",)).select_related("event", "category", "rider")
                  .get(pk=registration.pk))
        if locked.category_id == category_id:
            return locked
    raise ServiceError(_("This registration is being changed right now: try again."), RegistrationCode.CANCELLED)


def seats_lock(*, registration_ids: list[int]) -> None:
    """The lock order for many seats at once (the expiry job): their categories, lowest id first,
    then the registrations, lowest id first."""
    if not registration_ids:
        return
    category_ids = sorted(set(Registration.objects.filter(pk__in=registration_ids)
                              .values_list("category_id", flat=True)))
    list(Category.objects.select_for_update().filter(pk__in=category_ids).order_by("pk").values_list("pk"))
    list(Registration.objects.select_for_update().filter(pk__in=registration_ids).order_by("pk").values_list("pk"))


def new_checkin_key() -> str:
    return secrets.token_urlsafe(9)


def confirmed_count(category: Category) -> int:
    """Seats taken: confirmed riders and seats held for team members who have not confirmed yet."""
    return Registration.objects.filter(category=category, status__in=Registration.SEATED).count()


def _kept_back(category: Category) -> set[int]:
    """Numbers the automatic assignment never gives: reserved ones and bibs reported lost."""
    return set(bib_numbers(category.bib_reserved)) | set(
        LostBib.objects.filter(event_id=category.event_id).values_list("bib", flat=True))


def _free_bib(category: Category) -> int:
    """The lowest bib of the range nobody holds (the cursor ran out); category row locked."""
    used = set(Registration.objects.filter(event_id=category.event_id, bib__gte=category.bib_start,
                                           bib__lte=category.bib_end).values_list("bib", flat=True))
    used |= _kept_back(category)
    for number in range(category.bib_start, category.bib_end + 1):
        if number not in used:
            return number
    raise ServiceError(_("No bib numbers are left in this category's range."), RegistrationCode.BIBS_EXHAUSTED)


def recount(category: Category) -> Category:
    """Make the counter match the rows; the category row must be locked."""
    category.confirmed_count = confirmed_count(category)
    Category.objects.filter(pk=category.pk).update(confirmed_count=category.confirmed_count)
    return category


def take_bib(category: Category) -> int | None:
    """Next bib for a confirmation made under the category lock (promotion, switch, group entry):
    none where bibs are given at kit pick-up; reserved, lost and held numbers are passed over."""
    if category.bib_at == Category.BibAt.PICKUP:
        return None
    skip = _kept_back(category)
    while category.next_bib <= category.bib_end:
        bib = category.next_bib
        category.next_bib += 1
        if bib in skip or (skip and Registration.objects.filter(event_id=category.event_id, bib=bib).exists()):
            continue
        Category.objects.filter(pk=category.pk).update(next_bib=category.next_bib)
        return bib
    Category.objects.filter(pk=category.pk).update(next_bib=category.next_bib)
    return _free_bib(category)


def seat_bib(category: Category, claimed: int) -> int | None:
    """The bib a seat claimed with `claimed` (the cursor's number, category row locked by the claim)
    gives its rider: none where bibs are given at pick-up; a reserved number passed over."""
    if category.bib_at == Category.BibAt.PICKUP:
        return None
    if claimed in bib_numbers(category.bib_reserved):
        return take_bib(lock_category(category))
    return claimed


_CLAIM_SEAT = (
    "UPDATE events_category SET confirmed_count = confirmed_count + 1, next_bib = next_bib + 1 "
    "WHERE id = %s AND confirmed_count + code_seats < capacity AND next_bib <= bib_end RETURNING next_bib - 1"
)


def claim_seat(category: Category) -> int | None:
    """Take a seat and a bib in one conditional UPDATE, or None when the category is full.

    The UPDATE locks the row, re-checks `confirmed_count < capacity` on the latest committed
    version and moves the counter in the same statement, so no two transactions can take the
    same seat. When the bib cursor has run out (after cancellations) the row is locked and a
    free bib is searched instead.
    """
    if testutils.claim_override is not None:
        return testutils.claim_override(category)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SEAT, [category.pk])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    locked = lock_category(category)
    if locked.confirmed_count + locked.code_seats >= locked.capacity:
        return None
    bib = _free_bib(locked)
    Category.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + 1)
    return bib


def single_statement_possible(category: Category) -> bool:
    """The one-statement sign-up (PostgreSQL) for a category whose next bib is the cursor's: not
    where bibs are given at pick-up or some numbers are kept back (the two statements handle those)."""
    return (testutils.single_statement_claim and testutils.claim_override is None
            and prepared.one_statement_possible() and category.bib_at == Category.BibAt.REGISTRATION
            and not category.bib_reserved)


# PostgreSQL: lock the category, claim the seat and insert the registration in one statement (a
# data-modifying CTE), so a free sign-up is a single round trip and, in autocommit, a single
# transaction: the category lock (taken first, the lock order) lasts until that statement commits.
# If the INSERT fails (the rider's concurrent repeat hit the unique index) the seat claim is undone
# with it. The claim counts from the row the lock returns, which is its latest committed version:
# the statement's snapshot was taken before it waited, and an UPDATE whose condition read that
# snapshot would see a seat a concurrent cancellation freed as still taken (tests/events/test_race.py).
_TAIL = """, mail AS (
    INSERT INTO core_outbox (topic, kind, object_id, status, attempts, next_attempt_at, last_error, payload,
                             done, created_at)
    SELECT %(topic)s, status, id, 'pending', 0, %(now)s, '', '{}'::jsonb, '[]'::jsonb, %(now)s FROM reg
), history AS (
    INSERT INTO core_statuschange (subject, object_id, from_status, to_status, by_id, why, at)
    SELECT 'events.registration', id, '', status, %(rider)s, 'signed up', %(now)s FROM reg
)"""
_CLAIM_AND_INSERT_WITH = """
WITH lock AS (
    SELECT id, confirmed_count, code_seats, capacity, next_bib, bib_end FROM events_category
    WHERE id = %(category)s FOR NO KEY UPDATE
), seat AS (
    UPDATE events_category SET confirmed_count = lock.confirmed_count + 1, next_bib = lock.next_bib + 1
    FROM lock WHERE events_category.id = lock.id
                AND lock.confirmed_count + lock.code_seats < lock.capacity AND lock.next_bib <= lock.bib_end
    RETURNING lock.next_bib AS bib
), reg AS (
    INSERT INTO events_registration (event_id, category_id, rider_id, status, bib, answers, waiver_accepted_at,
                                     id_consent_at, created_at, queued_at, confirmed_at, hold_expires_at, result,
                                     checkin_key, price_fen, coupon_id, discount_fen, insurance)
    SELECT %(event)s, %(category)s, %(rider)s,
           CASE WHEN seat.bib IS NULL THEN 'waitlisted' WHEN %(pay_by)s::timestamptz IS NULL THEN 'confirmed'
                ELSE 'awaiting_payment' END, seat.bib, %(answers)s::jsonb, %(waiver)s, %(consent)s, %(now)s, %(now)s,
           CASE WHEN seat.bib IS NULL OR %(pay_by)s::timestamptz IS NOT NULL THEN NULL ELSE %(now)s END,
           CASE WHEN seat.bib IS NULL THEN NULL ELSE %(pay_by)s::timestamptz END, '', %(key)s, %(price)s,
           %(coupon)s, %(discount)s, %(insurance)s
    FROM (SELECT 1) AS one LEFT JOIN seat ON TRUE
    WHERE seat.bib IS NOT NULL OR %(waitlist)s
    RETURNING id, status, bib
)""" + _TAIL  # noqa: S608 (constant text; the values are parameters)
_CLAIM_AND_INSERT = _CLAIM_AND_INSERT_WITH + "\nSELECT id, status, bib FROM reg\n"

# A category that looked full when the request read it: the rider joins the waitlist under a
# shared lock (FOR SHARE), so riders joining it at once do not queue behind each other for the
# category's row as seat claims do (most of a rush: 4,500 of 5,000 in issue 27's bench). It still
# waits for, and is waited for by, whatever moves seats (claims: FOR NO KEY UPDATE; cancellations
# and promotions: FOR UPDATE), so a promotion sees every waitlist row committed before it, and the
# fullness is checked on the row's latest version once the lock is had: a seat freed meanwhile
# gives no row, and the caller claims it with the statement above.
_WAITLIST = """
WITH lock AS (
    SELECT id FROM events_category
    WHERE id = %(category)s AND (confirmed_count + code_seats >= capacity OR next_bib > bib_end) FOR SHARE
), reg AS (
    INSERT INTO events_registration (event_id, category_id, rider_id, status, bib, answers, waiver_accepted_at,
                                     id_consent_at, created_at, queued_at, confirmed_at, hold_expires_at, result,
                                     checkin_key, price_fen, coupon_id, discount_fen, insurance)
    SELECT %(event)s, %(category)s, %(rider)s, 'waitlisted', NULL, %(answers)s::jsonb, %(waiver)s, %(consent)s,
           %(now)s, %(now)s, NULL, NULL, '', %(key)s, %(price)s, %(coupon)s, %(discount)s, %(insurance)s
    FROM lock
    RETURNING id, status, bib
)""" + _TAIL + "\nSELECT id, status, bib FROM reg\n"  # noqa: S608 (as above)


def looks_full(category: Category) -> bool:
    """Whether the category was full when it was read, or a statement has found it full since (a
    hint: the statements check again)."""
    return (getattr(category, "seen_full", False) or category.confirmed_count + category.code_seats >= category.capacity
            or category.next_bib > category.bib_end)


def insert_single_statement(registration: Registration, *, pay_by: datetime.datetime | None = None,
                            held: HeldInStatement | None = None) -> bool:
    """Lock, claim and insert at once, outbox row and status history included; False when full and
    without a waitlist. With pay_by a seat is held for payment until then (status awaiting) instead
    of confirmed; with `held` (payments' part, reading the seat from `reg`) its order is written by
    the same statement, and registration.held_order says what is to pay. The category is locked
    first, whether or not a seat is free: the claim's UPDATE alone locks it only when one is, so a
    waitlist row inserted without the lock could commit after a cancellation's promotion had
    looked for it, leaving that seat empty (tests/events/test_race.py).
    In autocommit the statement is its own transaction; in the caller's, the lock lasts until it
    commits."""
    now = registration.queued_at
    params = {
        "category": registration.category_id, "event": registration.event_id, "rider": registration.rider_id,
        "answers": json.dumps(registration.answers), "waiver": registration.waiver_accepted_at, "now": now,
        "consent": registration.id_consent_at,
        "waitlist": registration.category.waitlist_enabled, "topic": OUTBOX_TOPIC, "pay_by": pay_by,
        "key": registration.checkin_key, "price": registration.price_fen, "coupon": registration.coupon_id,
        "discount": registration.discount_fen, "insurance": registration.insurance,
    }
    row = None  # (prepared: parsed and planned once a connection, 0.63 -> 0.20 ms of PostgreSQL's CPU)
    if registration.category.waitlist_enabled and looks_full(registration.category):
        row = prepared.fetchone(_WAITLIST, params)  # no row: a seat was freed since, claimed below
    if row is None:
        sql = _CLAIM_AND_INSERT
        if held is not None:
            sql = f"{_CLAIM_AND_INSERT_WITH}, {held.ctes}\nSELECT id, status, bib, {held.order_key} FROM reg\n"
            params.update(held.params())
        row = prepared.fetchone(sql, params)
        if row is not None and held is not None:
            registration.held_order = held.owed(row[3])
        if row is not None and row[1] == Registration.Status.WAITLISTED:
            # full now: the process's sign-ups take the waitlist's statement (a shared lock, no seat
            # or order parts) until the cached category is read again (SIGNUP_CACHE_SECONDS), not
            # the claim's, which locks the category for one sign-up at a time
            registration.category.seen_full = True  # type: ignore[attr-defined]
    if row is None:
        return False
    registration.pk, registration.status, registration.bib = row[:3]  # a new row: its first status, recorded
    registration.created_at = now
    registration.confirmed_at = now if registration.status == Registration.Status.CONFIRMED else None
    registration.hold_expires_at = pay_by if registration.status == Registration.Status.AWAITING else None
    registration._state.adding = False
    registration._state.db = "default"
    return True


def insert_two_statements(registration: Registration, *, pay_by: datetime.datetime | None = None) -> None:
    """Claim a seat, then insert; inside the caller's transaction (any database). With pay_by the
    seat is held until then for the rider to pay (a paid category)."""
    bib = claim_seat(registration.category)
    now = registration.queued_at
    registration.checkin_key = registration.checkin_key or new_checkin_key()
    if bib is not None and pay_by is not None:
        first, registration.hold_expires_at = Registration.Status.AWAITING, pay_by
        registration.bib = seat_bib(registration.category, bib)
    elif bib is not None:
        first, registration.confirmed_at = Registration.Status.CONFIRMED, now
        registration.bib = seat_bib(registration.category, bib)
    elif registration.category.waitlist_enabled:
        first = Registration.Status.WAITLISTED
    else:
        raise ServiceError(_("This category is full."), RegistrationCode.FULL)
    registration.status = first  # a new row: its first status, recorded by the caller
    registration.save(force_insert=True)


def promote(category: Category) -> list[Registration]:
    """Confirm waitlisted riders, first come first served, one per free seat (category locked)."""
    recount(category)
    free = category.capacity - category.confirmed_count - category.code_seats
    if free <= 0:
        return []
    promoted = list(Registration.objects.filter(category=category, status=Registration.Status.WAITLISTED)
                    .select_related("event").order_by("queued_at", "pk")[:free])
    now = timezone.now()
    for registration in promoted:
        registration.bib = take_bib(category)
        registration.category = category
        due = entry_price_fen(registration) - payments_port.seat_money.paid_fen(registration=registration)
        if due > 0:  # an offer: the seat is theirs once they pay, within the offer window
            registration.hold_expires_at = now + datetime.timedelta(hours=registration.event.offer_hours)
            registration_move(registration, Registration.Status.AWAITING, why="offered a seat from the waitlist",
                              fields=["bib", "hold_expires_at"])
            payments_port.seat_money.seat_held(registration=registration, amount_fen=due,
                                               deadline=registration.hold_expires_at)
            mail_on_commit(registration.pk, "offer")
            continue
        registration.confirmed_at = now
        registration_move(registration, Registration.Status.CONFIRMED, why="promoted from the waitlist",
                          fields=["confirmed_at", "bib"])
        mail_on_commit(registration.pk, "promoted")
    recount(category)
    return promoted


@transaction.atomic
def bibs_renumber(*, event: Event) -> int:
    """Give every confirmed rider a bib from their category's range, in order of confirmation."""
    categories = list(Category.objects.select_for_update().filter(event=event))
    bib_ranges_check(categories)
    categories = [c for c in categories if c.bib_at == Category.BibAt.REGISTRATION]  # pick-up bibs stay
    Registration.objects.filter(event=event, category__in=categories).update(bib=None)
    count = 0
    for category in categories:
        riders = list(Registration.objects.filter(category=category, status__in=Registration.SEATED)
                      .order_by("confirmed_at", "queued_at", "pk"))
        kept = _kept_back(category)
        numbers = (n for n in range(category.bib_start, category.bib_end + 1) if n not in kept)
        for number, registration in zip(numbers, riders):
            registration.bib = number
        Registration.objects.bulk_update(riders, ["bib"])
        last = max((r.bib for r in riders if r.bib is not None), default=category.bib_start - 1)
        Category.objects.filter(pk=category.pk).update(confirmed_count=len(riders), next_bib=last + 1)
        count += len(riders)
    return count
