"""Each rider's race from the passings: the reads of one rider at one timing point closer together
than the event's gap are one passing (the first read; at a start, the last, when the rider leaves
the mat); the n-th passing at a point is the n-th checkpoint of the rider's route on it (a loop's
start and finish may share a mat). Then the status, the gun and chip times, the splits and the
rankings (in the category, by gender, by age group), written in a few statements.

Recounts of one event take its timing row's lock first, so batches from several devices at once are
counted one after the other and the last sees every passing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.services import values_update
from core.times import zone_of
from events.models import Category, Event, Registration, Wave
from timing.models import Checkpoint, Closing, Passing, Result, Ruling, Timing, closed_ahead

Status = Result.Status
FINAL: dict[str, str] = {Status.FINISHED: Registration.Result.FINISHED, Status.DNF: Registration.Result.DNF,
         Status.WITHDRAWN: Registration.Result.DNF, Status.DSQ: Registration.Result.DSQ}
_GROUP = re.compile(r"\s*([0-9]{1,3})\s*-\s*([0-9]{1,3})?\s*")


def timing_of(event: Event) -> Timing:
    timing, _ = Timing.objects.get_or_create(event=event)
    return timing


@dataclass(frozen=True)
class AgeGroup:
    low: int
    high: int | None
    label: str


def age_groups(text: str) -> list[AgeGroup]:
    """"18-29, 30-39, 50-" -> the groups (a group without an upper age is open); unreadable parts are
    refused by the settings form, skipped here."""
    groups = []
    for part in text.split(","):
        match = _GROUP.fullmatch(part)
        if match:
            low, high = int(match.group(1)), int(match.group(2)) if match.group(2) else None
            groups.append(AgeGroup(low, high, f"{low}-{high}" if high is not None else f"{low}+"))
    return groups


def age_group(age: int | None, groups: list[AgeGroup]) -> str:
    if age is None:
        return ""
    return next((g.label for g in groups if g.low <= age and (g.high is None or age <= g.high)), "")


@dataclass
class Course:
    """One route's checkpoints, in order, and which of them each timing point stands for."""

    checkpoints: list[Checkpoint]
    at_point: dict[str, list[Checkpoint]]

    @property
    def start(self) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.kind == Checkpoint.Kind.START), None)

    @property
    def finish(self) -> Checkpoint | None:
        return next((c for c in reversed(self.checkpoints) if c.kind == Checkpoint.Kind.FINISH), None)


def courses_of(event: Event) -> dict[int, Course]:
    courses: dict[int, Course] = {}
    for checkpoint in Checkpoint.objects.filter(event=event).order_by("route_version_id", "distance_m", "pk"):
        course = courses.setdefault(checkpoint.route_version_id, Course([], {}))
        course.checkpoints.append(checkpoint)
        course.at_point.setdefault(checkpoint.point.casefold(), []).append(checkpoint)
    return courses


def _passings_at(times: list[dt.datetime], gap: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime]]:
    """Reads in time order -> passings as (first read, last read); a read within the gap of the one
    before it belongs to the same passing."""
    groups: list[list[dt.datetime]] = []
    for moment in times:
        if groups and moment - groups[-1][1] <= gap:
            groups[-1][1] = moment
        else:
            groups.append([moment, moment])
    return [(first, last) for first, last in groups]


@dataclass
class Rider:
    id: int
    category_id: int
    route_id: int | None
    gun: dt.datetime
    gender: str
    age_group: str


def rider_result(rider: Rider, reads: dict[str, list[dt.datetime]], course: Course | None,
                 closings: dict[tuple[int, int], dt.datetime], ruling: tuple[str, int | None] | None,
                 gap: dt.timedelta, now: dt.datetime) -> Result:
    """One rider's result from their reads by point (each in time order)."""
    splits: dict[Checkpoint, dt.datetime] = {}
    if course is not None:
        for point, times in reads.items():
            for checkpoint, (first, last) in zip(course.at_point.get(point, []), _passings_at(times, gap)):
                splits[checkpoint] = last if checkpoint.kind == Checkpoint.Kind.START else first
    result = Result(registration_id=rider.id, category_id=rider.category_id, gender=rider.gender,
                    age_group=rider.age_group, splits={str(c.pk): round((t - rider.gun).total_seconds())
                                                       for c, t in splits.items()})
    passed = [c for c in (course.checkpoints if course else []) if c in splits]
    if passed:
        result.last_checkpoint, result.last_at = passed[-1], splits[passed[-1]]
        start = course.start if course else None
        result.started_at = max(splits[start], rider.gun) if start in splits else rider.gun
    late = next((c for c in passed if (closes := closings.get((c.pk, rider.category_id))) and splits[c] > closes),
                None)
    finish = course.finish if course else None
    if ruling is not None:
        result.status = ruling[0]
        result.missed_id = ruling[1]
    elif late is not None:
        result.status, result.missed = Status.DNF, late
    elif finish is not None and finish in splits:
        result.status = Status.FINISHED
        result.gun_seconds = max(0, round((splits[finish] - rider.gun).total_seconds()))
        result.chip_seconds = max(0, round((splits[finish] - (result.started_at or rider.gun)).total_seconds()))
    elif passed and course is not None:
        closed = closed_ahead(course.checkpoints, passed={c.pk for c in splits}, last_m=passed[-1].distance_m,
                              category_id=rider.category_id, closings=closings, now=now)
        result.status, result.missed = (Status.DNF, closed) if closed else (Status.ON_COURSE, None)
    else:
        result.status = Status.NOT_STARTED
    return result


def _riders(event: Event, registration_ids: set[int] | None, groups: list[AgeGroup]) -> list[Rider]:
    day = timezone.localtime(event.starts_at, zone_of(event)).date()
    routes = dict(Category.objects.filter(event=event).values_list("pk", "route_version_id"))
    waves = dict(Wave.objects.filter(category__event=event).values_list("pk", "starts_at"))
    seats = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
    if registration_ids is not None:
        seats = seats.filter(pk__in=registration_ids)
    riders = []
    for pk, category_id, wave_id, gender, born in seats.values_list(
            "pk", "category_id", "wave_id", "rider__gender", "rider__date_of_birth"):
        age = None if born is None else day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        riders.append(Rider(pk, category_id, routes.get(category_id), waves.get(wave_id) or event.starts_at,
                            gender if gender in ("male", "female") else "", age_group(age, groups)))
    return riders


def results_recount(*, event: Event, registration_ids: set[int] | None = None, timing: Timing | None = None,
                    now: dt.datetime | None = None) -> int:
    """Recount the results of these riders (every confirmed rider when None) and the rankings of their
    categories; the caller's transaction holds the writes. Returns how many results were written."""
    timing = Timing.objects.select_for_update().get(pk=(timing or timing_of(event)).pk)
    now = now or timezone.now()
    gap = dt.timedelta(seconds=timing.min_gap_seconds)
    courses, groups = courses_of(event), age_groups(timing.age_groups)
    riders = _riders(event, registration_ids, groups)
    ids = [r.id for r in riders]
    reads: dict[int, dict[str, list[dt.datetime]]] = defaultdict(lambda: defaultdict(list))
    passings = Passing.objects.filter(event=event, voided_at=None).exclude(registration=None)
    chunks: list[list[int] | None] = ([None] if registration_ids is None
                                      else [ids[i:i + 2000] for i in range(0, len(ids), 2000)])
    for chunk in chunks:
        query = passings if chunk is None else passings.filter(registration_id__in=chunk)
        for registration_id, point, at in query.order_by("at").values_list("registration_id", "point", "at"):
            reads[registration_id][point.casefold()].append(at)
    closings = {(c, k): t for c, k, t in Closing.objects.filter(checkpoint__event=event)
                .values_list("checkpoint_id", "category_id", "closes_at")}
    rulings = {r: (s, c) for r, s, c in Ruling.objects.filter(registration__event=event)
               .values_list("registration_id", "status", "checkpoint_id")}
    results = [rider_result(rider, reads.get(rider.id, {}), courses.get(rider.route_id or 0), closings,
                            rulings.get(rider.id), gap, now) for rider in riders]
    for result in results:
        result.event = event
    Result.objects.bulk_create(results, batch_size=2000, update_conflicts=True, unique_fields=["registration"],
                               update_fields=["category", "status", "last_checkpoint", "last_at", "missed",
                                              "started_at", "gun_seconds", "chip_seconds", "splits", "gender",
                                              "age_group"])
    gone = Result.objects.filter(event=event).exclude(registration_id__in=ids)  # no longer confirmed (withdrawn)
    (gone if registration_ids is None else gone.filter(registration_id__in=registration_ids)).delete()
    _official(results, timing)
    rankings_recount(event=event, timing=timing, category_ids={r.category_id for r in riders})
    Timing.objects.filter(pk=timing.pk).update(changed_at=now)
    return len(results)


@transaction.atomic
def results_recount_all(*, event: Event) -> int:
    """Every rider of the event recounted (the organizer's button; a closing time passed)."""
    return results_recount(event=event)


def _seconds(result: Result, timing: Timing) -> int | None:
    return result.gun_seconds if timing.rank_by == Timing.RankBy.GUN else result.chip_seconds


def _official(results: list[Result], timing: Timing) -> None:
    """The registration's result (what the results page, the previous-results seeding and quota rules
    read): final statuses only; a rider still out has none."""
    values_update(Registration, ["result", "finish_seconds"], [
        (r.registration_id, FINAL.get(r.status, ""), _seconds(r, timing) if r.status == Status.FINISHED else None)
        for r in results], casts=["", "INTEGER"])


def rankings_recount(*, event: Event, timing: Timing, category_ids: set[int]) -> None:
    """Rankings of the finishers of these categories: in the category, by gender and by age group
    (equal times share a rank, the next comes after them all: 1, 2, 2, 4)."""
    field = "gun_seconds" if timing.rank_by == Timing.RankBy.GUN else "chip_seconds"
    rows = list(Result.objects.filter(event=event, category_id__in=category_ids).values_list(
        "pk", "category_id", "status", field, "gender", "age_group", "rank", "rank_gender", "rank_age"))
    finishers = sorted((r for r in rows if r[2] == Status.FINISHED and r[3] is not None), key=lambda r: r[3])
    ranks: dict[int, list[int | None]] = {}
    counters: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, -1])  # seen, rank, last time
    for pk, category_id, _status, seconds, gender, group, *_old in finishers:
        mine: list[int | None] = []
        for key, wanted in (((category_id,), True), ((category_id, "g", gender), bool(gender)),
                            ((category_id, "a", group), bool(group))):
            if not wanted:
                mine.append(None)
                continue
            counter = counters[key]
            counter[0] += 1
            if seconds != counter[2]:
                counter[1], counter[2] = counter[0], seconds
            mine.append(counter[1])
        ranks[pk] = mine
    changed = [(pk, *ranks.get(pk, [None, None, None])) for pk, *_rest, r1, r2, r3 in rows
               if ranks.get(pk, [None, None, None]) != [r1, r2, r3]]
    values_update(Result, ["rank", "rank_gender", "rank_age"], changed, casts=["INTEGER"] * 3)
