"""Reads for events: listings, seats, permissions, rosters, start lists and results."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import groups, memberships
from core.models import StatusChange
from core.querysets import filtered
from events import payments_port
from events.models import Ballot, Category, Event, Registration, TransferOffer
from events.selectors.extras import entry_total_fen


def is_organizer(*, user: User | None, event: Event) -> bool:
    """Staff, the event's organizers and, for a club's event, the club's admins."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or event.organizers.filter(pk=user.pk).exists():
        return True
    return event.club_id is not None and memberships.directory.is_club_admin(club_id=event.club_id, user=user)


def can_create_events(user: User | None) -> bool:
    return groups.in_group(user, groups.ORGANIZERS)


def events_visible_to(*, user: User | None) -> QuerySet[Event]:
    """Published, cancelled and completed events for everyone; drafts for their organizers."""
    visible = ~Q(status=Event.Status.DRAFT)
    if user is not None and user.is_authenticated:
        if user.is_staff:
            return Event.objects.all()
        visible |= Q(organizers=user)
    return Event.objects.filter(visible).distinct()


def categories_with_seats() -> Prefetch:
    return Prefetch("categories", queryset=Category.objects.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)),
        # seats taken: confirmed, held for a team member, held while the rider pays
        seated=Count("registrations", filter=Q(registrations__status__in=Registration.SEATED)),
        waiting=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
        # held: waiting for the rider's payment (a waitlist offer included) or a team member's confirmation
        held=Count("registrations", filter=Q(registrations__status__in=(Registration.Status.AWAITING,
                                                                       Registration.Status.HELD))),
    ).select_related("route_version__route").order_by("position", "pk"))


@dataclass
class EventFilters:
    kind: str = ""
    county: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    past: bool = False


def events_list(*, filters: EventFilters, user: User | None) -> QuerySet[Event]:
    """Upcoming events first (soonest first); with past=True, finished ones (latest first)."""
    qs = events_visible_to(user=user)
    now = timezone.now()
    qs = qs.filter(ends_at__lt=now).order_by("-starts_at") if filters.past else qs.filter(
        ends_at__gte=now).order_by("starts_at")
    qs = filtered(qs, kind=filters.kind, county=filters.county, starts_at__date__gte=filters.date_from,
                  starts_at__date__lte=filters.date_to)
    return qs.prefetch_related(categories_with_seats())


def event_get(*, slug: str, user: User | None) -> Event:
    event = events_visible_to(user=user).select_related("club", "created_by").prefetch_related(
        categories_with_seats(), "questions").filter(
        slug=slug).first()
    if event is None:
        raise Http404
    return event


# Sign-up data (category, event, questions) is kept for SIGNUP_CACHE_SECONDS in each process:
# a registration rush reads it thousands of times a second and it changes rarely. Seats are
# never part of it (they are claimed in the database). services.event_update empties it in the
# process that made the change; other processes see the change within these seconds.
SIGNUP_CACHE_SECONDS = 2.0
_signup_cache: dict[tuple[str, int], tuple[float, Category]] = {}


def signup_cache_clear() -> None:
    _signup_cache.clear()


def category_for_registration(*, slug: str, category_id: int, user: User | None) -> Category | None:
    """The category with its event and questions, for the sign-up hot path; None when this
    event has no such category; 404 when the event is not visible to the user."""
    now = time.monotonic()
    hit = _signup_cache.get((slug, category_id))
    if hit is not None and now - hit[0] < SIGNUP_CACHE_SECONDS:
        return hit[1]
    category = (Category.objects.select_related("event").filter(pk=category_id, event__slug=slug)
                .exclude(event__status=Event.Status.DRAFT).first())
    if category is None:
        event_get(slug=slug, user=user)  # 404 for a missing or hidden event
        return None
    # Django's prefetch cache: the cached category then reads its questions without a query
    category.event._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "questions": list(category.event.questions.all())}
    if len(_signup_cache) > 1000:
        _signup_cache.clear()
    _signup_cache[(slug, category_id)] = (now, category)
    return category


def event_for_organizer(*, slug: str, user: User | None) -> Event:
    """The event if the user organizes it; 404 otherwise (never confirms that it exists)."""
    event = event_get(slug=slug, user=user)
    if not is_organizer(user=user, event=event):
        raise Http404
    return event


def registration_of_rider(*, registration_id: int, user: User | None) -> Registration:
    """A rider's own registration (or one of their event as organizer); others get 404."""
    registration = (Registration.objects.select_related("event", "category", "rider")
                    .filter(pk=registration_id).first())
    if registration is None or user is None or not user.is_authenticated:
        raise Http404
    if registration.rider_id != user.pk and registration.rider.guardian_id != user.pk and not is_organizer(
            user=user, event=registration.event):
        raise Http404
    return registration


def ballot_selected(registration: Registration) -> bool:
    """Whether the draw selected this entry (not a waitlisted entrant who got a seat later)."""
    if registration.draw_position is None:
        return False
    winners = Ballot.objects.filter(category_id=registration.category_id).values_list("winners", flat=True).first()
    return registration.pk in (winners or [])


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next rider to get a seat; None when not on the waitlist."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(category_id=registration.category_id,
                                        status=Registration.Status.WAITLISTED).filter(
        Q(queued_at__lt=registration.queued_at) | Q(queued_at=registration.queued_at, pk__lt=registration.pk))
    return ahead.count() + 1


@dataclass
class HistoryRow:
    """One move as the organizer's history page shows it: what moved, from and to (translated)."""

    at: datetime.datetime
    pk: int
    label: str
    old: str
    new: str
    by: User | None


def history_row(change: StatusChange, model: Any, label: str) -> HistoryRow:
    def name(value: str) -> str:
        return str(model.Status(value).label) if value else _("new")

    return HistoryRow(change.at, change.pk, label, name(change.from_status), name(change.to_status), change.by)


def registration_history(*, registration: Registration) -> list[HistoryRow]:
    """Every status move of the seat and of its transfer offers (core.StatusChange)."""
    offers = {pk: n for n, pk in enumerate(TransferOffer.objects.filter(registration=registration)
                                          .order_by("pk").values_list("pk", flat=True), start=1)}
    rows = [history_row(change, Registration, _("Registration")) for change in StatusChange.objects.filter(
        subject="events.registration", object_id=registration.pk).select_related("by")]
    rows += [history_row(change, TransferOffer, _("Transfer offer %(n)s") % {"n": offers[change.object_id]})
             for change in StatusChange.objects.filter(subject="events.transferoffer",
                                                       object_id__in=list(offers)).select_related("by")]
    return rows


def entry_price_fen(registration: Registration) -> int:
    """The full price of the seat a registration holds: its fee (an entry code's price, or the fee
    in force when it was claimed), less its coupon's discount, plus its add-ons and insurance."""
    return entry_total_fen(registration)


def seat_due(registration: Registration) -> dict:
    """What a seat costs and what is still to pay for it, read only (through the payments port):
    {"price_fen", "due_fen" (None when nothing waits for payment), "pay_by"}."""
    pending = payments_port.seat_money.pending(registration=registration)
    return {"price_fen": entry_price_fen(registration), "due_fen": pending["amount_fen"] if pending else None,
            "pay_by": pending["expires_at"] if pending else registration.hold_expires_at}


def registrations_of(*, rider: User) -> QuerySet[Registration]:
    """The rider's own registrations and the seats of companions they answer for (family entries)."""
    return (Registration.objects.filter(Q(rider=rider) | Q(rider__guardian=rider))
            .select_related("event", "category", "rider").order_by("-event__starts_at", "pk"))


def roster(*, event: Event) -> QuerySet[Registration]:
    """Every registration the rider made or confirmed; seats held for team members who have not
    confirmed yet are left out (nothing of theirs goes to the organizer before they consent)."""
    return event.registrations.exclude(status=Registration.Status.HELD).select_related("rider", "category").order_by(
        "category__position", "status",
                                                                            "queued_at", "pk")


def checkin_candidates(*, event: Event, text: str, limit: int = 20) -> list[Registration]:
    """Confirmed riders of the event found by bib (the number), phone (its last 4+ digits) or name."""
    text = text.strip()
    if not text:
        return []
    rows = event.registrations.filter(status=Registration.Status.CONFIRMED).select_related("rider", "category")
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    match = Q(rider__real_name__icontains=text) | Q(rider__display_name__icontains=text) | Q(
        rider__username__iexact=text)
    if digits and digits == text.replace(" ", "").lstrip("+"):
        if len(digits) <= 6:
            match |= Q(bib=int(digits))
        if len(digits) >= 4:
            match |= Q(rider__mobile__endswith=digits)
    return list(rows.filter(match).order_by("bib")[:limit])


def start_list(*, event: Event, bib: int | None = None) -> QuerySet[Registration]:
    """The confirmed riders by category and bib (only the one with `bib` when given)."""
    rows = event.registrations.filter(status=Registration.Status.CONFIRMED)
    if bib is not None:
        rows = rows.filter(bib=bib)
    return rows.select_related("rider", "category", "wave").order_by("category__position", "bib")


@dataclass
class Ranked:
    registration: Registration
    rank: int | None
    gender_rank: int | None


RESULTS_PAGE = 200  # rows a page of the results, page and API (5,000 finishers were one page: 633 KB, 734 ms)


def results(*, event: Event) -> dict[Category, list[Ranked]]:
    """Per category: finishers by time with overall and gender ranks, then DNF/DNS/DSQ. Only the
    columns the results show are read, each category once (5,000 rows: 315 -> 121 ms)."""
    categories = {category.pk: category for category in event.categories.all()}
    rows = (event.registrations.filter(status=Registration.Status.CONFIRMED).exclude(result="")
            .select_related("rider").only(*_RESULT_COLUMNS)
            .order_by("category__position", "category_id", "finish_seconds", "bib"))
    finishers: dict[Category, list[Ranked]] = {}
    others: dict[Category, list[Ranked]] = {}
    by_gender: dict[tuple[int, str], int] = {}
    for registration in rows:
        category = registration.category = categories[registration.category_id]
        finishers.setdefault(category, [])
        if registration.result == Registration.Result.FINISHED:
            key = (category.pk, registration.rider.gender)
            by_gender[key] = by_gender.get(key, 0) + 1
            finishers[category].append(Ranked(registration, len(finishers[category]) + 1, by_gender[key]))
        else:
            others.setdefault(category, []).append(Ranked(registration, None, None))
    return {category: ranked + others.get(category, []) for category, ranked in finishers.items()}


_RESULT_COLUMNS = ("id", "event_id", "category_id", "rider_id", "status", "bib", "result", "finish_seconds",
                   "rider__id", "rider__username", "rider__display_name", "rider__show_name_publicly",
                   "rider__gender")


def events_of_rider(*, rider: User) -> list[Event]:
    return list(Event.objects.filter(registrations__rider=rider,
                                     registrations__status__in=Registration.ACTIVE).distinct())


NO_SHOW_WINDOW = datetime.timedelta(days=365)


def no_shows(*, rider_ids: list[int], now: datetime.datetime | None = None) -> dict[int, int]:
    """How many times each rider held a confirmed seat in an event that ended in the last 12 months
    without checking in (attendance is the check-in; events that never had check-ins are left out)."""
    now = now or timezone.now()
    counted = (Registration.objects.filter(rider_id__in=rider_ids, status=Registration.Status.CONFIRMED,
                                           checked_in_at__isnull=True, event__ends_at__lt=now,
                                           event__ends_at__gte=now - NO_SHOW_WINDOW)
               .filter(event__in=Registration.objects.filter(checked_in_at__isnull=False).values("event"))
               .values("rider_id").annotate(n=Count("pk")))
    return {row["rider_id"]: row["n"] for row in counted}


# -- reads for the pages (events/views): a view reads through these, never the ORM ----------------

def active_registration(*, event: Event, user: User | None) -> Registration | None:
    """The user's live seat at this event (registered, held, waiting...), if any."""
    if user is None or not user.is_authenticated:
        return None
    return event.registrations.filter(rider=user, status__in=Registration.ACTIVE).first()


def transfer_offer_to(*, event: Event, user: User | None) -> TransferOffer | None:
    """A seat of this event offered to the user and not yet answered."""
    if user is None or not user.is_authenticated:
        return None
    return (TransferOffer.objects.filter(registration__event=event, to_rider=user, status=TransferOffer.Status.PENDING)
            .select_related("registration__category", "from_rider").first())


def pending_transfer_offer(registration: Registration) -> TransferOffer | None:
    """The rider's own offer of this seat to someone else, still open."""
    return (registration.transfer_offers.filter(status=TransferOffer.Status.PENDING).select_related("to_rider")
            .first())


def has_results(event: Event) -> bool:
    return event.registrations.exclude(result="").exists()


def rsvp_state(*, event: Event) -> tuple[list[Registration], int]:
    """A club ride's riders going (in the order they said so) and how many wait."""
    going = list(event.registrations.filter(status=Registration.Status.CONFIRMED).select_related("rider")
                 .order_by("confirmed_at", "pk"))
    return going, event.registrations.filter(status=Registration.Status.WAITLISTED).count()


def question_count(event: Event) -> int:
    return event.questions.count()


def category_of(*, event: Event, category_id: int | None) -> Category:
    """A category of this event; 404 otherwise (a page's address or a posted choice)."""
    category = event.categories.filter(pk=category_id or 0).first()
    if category is None:
        raise Http404
    return category


def entered_count(category: Category) -> int:
    """Entries in a category's ballot (before the draw)."""
    return category.registrations.filter(status=Registration.Status.ENTERED).count()


def ballot_published(*, event: Event, category_id: int) -> Ballot:
    """A drawn ballot's published data; 404 before the draw."""
    ballot = Ballot.objects.filter(category__event=event, category__pk=category_id, drawn_at__isnull=False).first()
    if ballot is None:
        raise Http404
    return ballot


def checkin_counts(*, event: Event) -> tuple[int, int]:
    """(checked in, confirmed) for the check-in page, in one query."""
    counts = event.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(
        checked=Count("pk", filter=Q(checked_in_at__isnull=False)), confirmed=Count("pk"))
    return counts["checked"], counts["confirmed"]


def roster_registration(*, event: Event, registration_id: int) -> Registration:
    """One seat of the event's roster; 404 when it is not this event's."""
    registration = roster(event=event).filter(pk=registration_id).first()
    if registration is None:
        raise Http404
    return registration


def id_accesses_of(*, event: Event, limit: int = 500) -> QuerySet:
    return event.id_accesses.select_related("user")[:limit]


def entry_codes_of(*, event: Event) -> QuerySet:
    return event.entry_codes.select_related("category")


def deferral_sources(*, event: Event) -> QuerySet[Event]:
    """The same organizer's other events with riders who deferred (their codes are made here)."""
    return (Event.objects.filter(created_by=event.created_by, registrations__deferred_at__isnull=False)
            .exclude(pk=event.pk).distinct())


def deferral_source(*, event: Event, source_id: int | None) -> Event:
    source = Event.objects.filter(pk=source_id or 0, created_by=event.created_by).first()
    if source is None:
        raise Http404
    return source
