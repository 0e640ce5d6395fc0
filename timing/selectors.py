"""Reads of the timing: the set-up, the live results (statuses as of now: a rider still out whose next
checkpoint has closed shows as DNF there before the next recount writes it), one rider's result, the
field for the live page (last known places, counts per checkpoint, riders past a closing time), the
unknown chips and the corrections."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from events.models import Category, Event, Registration
from timing.models import Checkpoint, Closing, Correction, Passing, Result, Timing


def timing_for(*, event: Event) -> Timing | None:
    return Timing.objects.filter(event=event).first()


def checkpoints_of(*, event: Event) -> list[Checkpoint]:
    return list(Checkpoint.objects.filter(event=event).select_related("route_version__route")
                .prefetch_related("closings__category").order_by("route_version_id", "distance_m", "pk"))


def has_timing(*, event: Event) -> bool:
    return Checkpoint.objects.filter(event=event).exists()


@dataclass
class Split:
    checkpoint: Checkpoint
    seconds: int | None  # since the rider's start (chip) or the gun when they have no start read


@dataclass
class Row:
    result: Result
    registration: Registration
    status: str  # as of now
    status_label: str
    missed: Checkpoint | None
    splits: list[Split] = field(default_factory=list)

    @property
    def seconds(self) -> int | None:
        return self.result.chip_seconds if self.result.status == Result.Status.FINISHED else None


def _closings(event: Event) -> dict[tuple[int, int], dt.datetime]:
    return {(c, k): t for c, k, t in Closing.objects.filter(checkpoint__event=event)
            .values_list("checkpoint_id", "category_id", "closes_at")}


def status_now(result: Result, course: list[Checkpoint], closings: dict[tuple[int, int], dt.datetime],
               now: dt.datetime) -> tuple[str, Checkpoint | None]:
    """The stored status, or DNF at the first checkpoint ahead of a rider still out that has closed."""
    if result.status != Result.Status.ON_COURSE:
        return result.status, next((c for c in course if c.pk == result.missed_id), None)
    done = {int(pk) for pk in result.splits}
    last = next((c.distance_m for c in course if c.pk == result.last_checkpoint_id), -1)
    for checkpoint in course:
        closes = closings.get((checkpoint.pk, result.category_id))
        if checkpoint.distance_m > last and checkpoint.pk not in done and closes and closes <= now:
            return Result.Status.DNF, checkpoint
    return result.status, None


def _label(status: str) -> str:
    return str(Result.Status(status).label)


def live_results(*, event: Event, category: Category | None = None, query: str = "",
                 now: dt.datetime | None = None) -> dict[Category, list[Row]]:
    """Per category: finishers by rank, then riders still out (farthest first), then the rest. `query`
    finds a bib, or a name among riders who show theirs."""
    now = now or timezone.now()
    courses: dict[int, list[Checkpoint]] = {}
    for checkpoint in Checkpoint.objects.filter(event=event).order_by("distance_m", "pk"):
        courses.setdefault(checkpoint.route_version_id, []).append(checkpoint)
    closings = _closings(event)
    results = (Result.objects.filter(event=event).select_related("registration__rider", "category")
               .order_by("category__position", "category_id"))
    if category is not None:
        results = results.filter(category=category)
    query = query.strip()[:40]
    if query:
        found = Q(registration__rider__show_name_publicly=True) & (
            Q(registration__rider__display_name__icontains=query) | Q(registration__rider__real_name__icontains=query))
        if query.isdigit():
            found |= Q(registration__bib=int(query))
        results = results.filter(found)
    out: dict[Category, list[Row]] = {}
    for result in results:
        course = courses.get(result.category.route_version_id or 0, [])
        status, missed = status_now(result, course, closings, now)
        start = result.splits.get(str(next((c.pk for c in course if c.kind == Checkpoint.Kind.START), 0)))
        offset = start if start is not None and start > 0 else 0
        splits = [Split(c, (result.splits[str(c.pk)] - offset) if str(c.pk) in result.splits else None)
                  for c in course if c.kind != Checkpoint.Kind.START]
        out.setdefault(result.category, []).append(Row(result, result.registration, status, _label(status), missed,
                                                       splits))
    order = {Result.Status.FINISHED: 0, Result.Status.ON_COURSE: 1, Result.Status.NOT_STARTED: 3}
    for rows in out.values():
        rows.sort(key=lambda r: (order.get(r.status, 2), r.result.rank or 0,
                                 -(next((s.checkpoint.distance_m for s in reversed(r.splits) if s.seconds is not None),
                                        0)), r.registration.bib or 0))
    return out


def result_of(*, registration: Registration) -> Row | None:
    """A rider's own result (their page, the certificate)."""
    result = Result.objects.filter(registration=registration).select_related("category").first()
    if result is None:
        return None
    rows = live_results(event=registration.event, category=result.category, query="")
    return next((row for row in rows.get(result.category, []) if row.result.pk == result.pk), None)


def changed_at(*, event: Event) -> dt.datetime | None:
    return Timing.objects.filter(event=event).values_list("changed_at", flat=True).first()


@dataclass
class Place:
    registration: Registration
    status: str
    checkpoint: Checkpoint | None
    at: dt.datetime | None
    lat: float | None
    lon: float | None
    missed: Checkpoint | None


def field_of(*, event: Event, now: dt.datetime | None = None) -> tuple[list[Place], Counter, list[Place]]:
    """Every rider's last known place by their passings, the count of riders whose last passing is
    at each checkpoint, and the riders a closing time has passed by (for the broom wagon: 收容车)."""
    now = now or timezone.now()
    courses: dict[int, list[Checkpoint]] = {}
    for checkpoint in Checkpoint.objects.filter(event=event).order_by("distance_m", "pk"):
        courses.setdefault(checkpoint.route_version_id, []).append(checkpoint)
    by_pk = {c.pk: c for course in courses.values() for c in course}
    closings = _closings(event)
    places, counts, broom = [], Counter(), []
    for result in Result.objects.filter(event=event).select_related("registration__rider", "category"):
        course = courses.get(result.category.route_version_id or 0, [])
        status, missed = status_now(result, course, closings, now)
        checkpoint = by_pk.get(result.last_checkpoint_id or 0)
        place = Place(result.registration, status, checkpoint, result.last_at, checkpoint.lat if checkpoint else None,
                      checkpoint.lon if checkpoint else None, missed)
        places.append(place)
        if checkpoint is not None and status == Result.Status.ON_COURSE:
            counts[checkpoint.pk] += 1
        if status == Result.Status.DNF and missed is not None and result.status == Result.Status.ON_COURSE:
            broom.append(place)
    return places, counts, broom


def unknown_codes(*, event: Event) -> list[dict]:
    return list(Passing.objects.filter(event=event, registration=None, voided_at=None).values("code")
                .annotate(reads=Count("pk"), last=Max("at")).order_by("-reads", "code")[:200])


def passings_of(*, event: Event, bib: int | None = None, limit: int = 200) -> QuerySet[Passing]:
    passings = Passing.objects.filter(event=event, voided_at=None).select_related("registration")
    if bib is not None:
        passings = passings.filter(registration__bib=bib)
    return passings.order_by("-at", "-pk")[:limit]


def corrections_of(*, event: Event, limit: int = 100) -> QuerySet[Correction]:
    return Correction.objects.filter(event=event).select_related("by", "registration")[:limit]


def devices_of(*, event: Event) -> list[dict]:
    """Each device that sent passings: how many and its last passing number (where it resumes)."""
    return list(Passing.objects.filter(event=event).values("device").annotate(
        passings=Count("pk"), last_number=Max("number"), last_at=Max("received_at")).order_by("device"))
