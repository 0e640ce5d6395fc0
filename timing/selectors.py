"""Reads of the timing: the set-up, the live results (statuses as of now: a rider still out whose next
checkpoint has closed shows as DNF there before the next recount writes it), one rider's result, the
field for the live page (last known places, counts per checkpoint, riders past a closing time), the
unknown chips and the corrections."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.times import when
from events.models import Category, Event, Registration
from routes.gcj02 import amap_marker_url
from timing.models import Checkpoint, Closing, Correction, Passing, Position, Result, Timing, Tracker, closed_ahead


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
    closed = closed_ahead(course, passed={int(pk) for pk in result.splits}, category_id=result.category_id,
                          last_m=next((c.distance_m for c in course if c.pk == result.last_checkpoint_id), -1),
                          closings=closings, now=now)
    return (Result.Status.DNF, closed) if closed else (result.status, None)


def _label(status: str) -> str:
    return str(Result.Status(status).label)


def _courses(event: Event) -> dict[int, list[Checkpoint]]:
    """Each route's checkpoints in order along it, by route version."""
    courses: dict[int, list[Checkpoint]] = {}
    for checkpoint in Checkpoint.objects.filter(event=event).order_by("distance_m", "pk"):
        courses.setdefault(checkpoint.route_version_id, []).append(checkpoint)
    return courses


def _row(result: Result, course: list[Checkpoint], closings: dict[tuple[int, int], dt.datetime],
         now: dt.datetime) -> Row:
    """A rider's line of the results: the status as of now, the splits from their own start."""
    status, missed = status_now(result, course, closings, now)
    start = result.splits.get(str(next((c.pk for c in course if c.kind == Checkpoint.Kind.START), 0)))
    offset = start if start is not None and start > 0 else 0
    splits = [Split(c, (result.splits[str(c.pk)] - offset) if str(c.pk) in result.splits else None)
              for c in course if c.kind != Checkpoint.Kind.START]
    return Row(result, result.registration, status, _label(status), missed, splits)


LIVE_PAGE = 100  # rows a page of the live results (page and API)


def live_results(*, event: Event, category: Category | None = None, query: str = "",
                 now: dt.datetime | None = None) -> dict[Category, list[Row]]:
    """Per category: finishers by rank, then riders still out (farthest first), then the rest. `query`
    finds a bib, or a name among riders who show theirs."""
    return live_results_page(event=event, category=category, query=query, now=now, per_page=None)[1]


def live_results_page(*, event: Event, category: Category | None = None, query: str = "", number: Any = None,
                      per_page: int | None = LIVE_PAGE, now: dt.datetime | None = None,
                      ) -> tuple[Page, dict[Category, list[Row]]]:
    """One page of live_results (`number` as a query string gives it; per_page None: every row), in
    the order of the whole field. The order is worked out from a few columns of every row; only the
    page's rows are read whole (5,000 riders: every row read whole 555 ms, 309 with only the columns
    shown; the live page with a page of 100 rows 92 ms in all, bench/passings.py)."""
    now = now or timezone.now()
    courses, closings = _courses(event), _closings(event)
    categories = {c.pk: c for c in Category.objects.filter(event=event)}
    results = Result.objects.filter(event=event, registration__status=Registration.Status.CONFIRMED)
    if category is not None:
        results = results.filter(category=category)
    query = query.strip()[:40]
    if query:
        found = Q(registration__rider__show_name_publicly=True) & (
            Q(registration__rider__display_name__icontains=query) | Q(registration__rider__real_name__icontains=query))
        if query.isdigit():
            found |= Q(registration__bib=int(query))
        results = results.filter(found)
    order = {Result.Status.FINISHED: 0, Result.Status.ON_COURSE: 1, Result.Status.NOT_STARTED: 3}
    keyed = []
    for pk, status, rank, missed_id, last_id, category_id, splits, bib in results.values_list(
            "pk", "status", "rank", "missed_id", "last_checkpoint_id", "category_id", "splits", "registration__bib"):
        of = categories[category_id]
        course = courses.get(of.route_version_id or 0, [])
        seen = SimpleNamespace(status=status, missed_id=missed_id, splits=splits, category_id=category_id,
                               last_checkpoint_id=last_id)  # what status_now reads of a Result
        shown = status_now(seen, course, closings, now)[0]  # type: ignore[arg-type]
        farthest = max((c.distance_m for c in course if c.kind != Checkpoint.Kind.START and str(c.pk) in splits),
                       default=0)  # the farthest checkpoint passed (a split with a time)
        keyed.append((of.position, category_id, order.get(shown, 2), rank or 0, -farthest, bib or 0, pk))
    keyed.sort()
    page = Paginator(keyed, per_page or max(1, len(keyed))).get_page(number)
    ids = [key[-1] for key in page.object_list]
    checkpoints = {c.pk: c for course in courses.values() for c in course}
    # every row: the same query read whole (not its ids sent back); a page: its ids
    whole = {result.pk: result for result in (results if per_page is None else Result.objects.filter(pk__in=ids))
             .select_related("registration__rider").only(*_LIVE_COLUMNS)}
    out: dict[Category, list[Row]] = {}
    for pk in ids:
        result = whole.get(pk)
        if result is None:  # gone between the two reads (a recount): the next refresh shows the field again
            continue
        result.category = categories[result.category_id]
        result.last_checkpoint = checkpoints.get(result.last_checkpoint_id or 0)
        row = _row(result, courses.get(result.category.route_version_id or 0, []), closings, now)
        out.setdefault(result.category, []).append(row)
    return page, out


_LIVE_COLUMNS = ("id", "registration_id", "event_id", "category_id", "status", "last_checkpoint_id", "last_at",
                 "missed_id", "started_at", "gun_seconds", "chip_seconds", "splits", "gender", "age_group", "rank",
                 "rank_gender", "rank_age", "registration__id", "registration__event_id", "registration__category_id",
                 "registration__rider_id", "registration__status", "registration__bib", "registration__rider__id",
                 "registration__rider__username", "registration__rider__display_name",
                 "registration__rider__show_name_publicly", "registration__rider__gender")


def result_of(*, registration: Registration) -> Row | None:
    """A rider's own result (their page, the certificate): their row alone, not their category's."""
    result = (Result.objects.filter(registration=registration, registration__status=Registration.Status.CONFIRMED)
              .select_related("registration__rider", "category", "last_checkpoint").first())
    if result is None:
        return None
    course = list(Checkpoint.objects.filter(event_id=result.event_id, route_version_id=result.category.route_version_id)
                  .order_by("distance_m", "pk"))
    return _row(result, course, _closings(registration.event), timezone.now())


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
    by_phone: bool = False
    out: bool = False  # still out on the course (on course, or past a closing time and not through)


def field_of(*, event: Event, now: dt.datetime | None = None,
             phones: bool = True) -> tuple[list[Place], Counter, list[Place]]:
    """Every rider's last known place by their passings, the count of the riders still out whose last
    passing is at each checkpoint, and the riders a closing time has passed by and who are not
    through the finish (for the broom wagon: 收容车)."""
    now = now or timezone.now()
    courses = _courses(event)
    by_pk = {c.pk: c for course in courses.values() for c in course}
    closings = _closings(event)
    places, counts, broom = [], Counter(), []
    shared = latest_positions(event=event) if phones else {}  # riders' positions: the organizers' only
    confirmed = Result.objects.filter(event=event, registration__status=Registration.Status.CONFIRMED)
    for result in confirmed.select_related("registration__rider", "category"):
        course = courses.get(result.category.route_version_id or 0, [])
        status, missed = status_now(result, course, closings, now)
        checkpoint = by_pk.get(result.last_checkpoint_id or 0)
        place = Place(result.registration, status, checkpoint, result.last_at, checkpoint.lat if checkpoint else None,
                      checkpoint.lon if checkpoint else None, missed)
        phone = shared.get(result.registration_id)
        if phone is not None and (place.at is None or phone.at > place.at):
            place.at, place.lat, place.lon, place.by_phone = phone.at, phone.lat, phone.lon, True
        places.append(place)
        finish = next((c for c in reversed(course) if c.kind == Checkpoint.Kind.FINISH), None)
        if status == Result.Status.DNF and missed is not None and (finish is None or str(finish.pk) not in
                                                                   result.splits):
            broom.append(place)  # out past a closing time and not through the finish: still out there
            place.out = True
        elif status == Result.Status.ON_COURSE:
            place.out = True
        if checkpoint is not None and place.out:
            counts[checkpoint.pk] += 1
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


def device_of(*, event: Event, device: str) -> dict:
    """How many passings a device sent and its last passing number (where it resumes)."""
    return Passing.objects.filter(event=event, device=device).aggregate(passings=Count("pk"), last_number=Max("number"))


def devices_of(*, event: Event) -> list[dict]:
    """Each device that sent passings: how many and its last passing number (where it resumes)."""
    return list(Passing.objects.filter(event=event).values("device").annotate(
        passings=Count("pk"), last_number=Max("number"), last_at=Max("received_at")).order_by("device"))


def _map_base() -> dict:
    """What every timing map starts from: the tile server (none for GCJ-02 tiles: our points are
    WGS-84) and Leaflet's buttons in the page's language."""
    return {"tiles": settings.MAP_TILE_URL if settings.MAP_TILE_CRS != "gcj02" else "",
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "labels": {"zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "bib": _("Bib")}}


def field_map(*, event: Event, places: list[Place], counts: Counter, checkpoints: list[Checkpoint],
              sos: list[Position]) -> dict:
    """What the live page's map draws: the routes, the checkpoints with the riders still out at each,
    each rider's last known place (by passings; a shared phone position when newer) and the SOS calls."""
    routes = {c.route_version_id: c.route_version.line for c in checkpoints}
    riders = [{"lat": p.lat, "lon": p.lon, "bib": p.registration.bib, "status": p.status, "phone": p.by_phone,
               "at": when(p.at, event, "H:i:s")} for p in places if p.lat is not None and p.out]
    drawn = _map_base()
    drawn["labels"]["riders_here"] = _("riders last seen here")
    return {**drawn, "routes": list(routes.values()), "riders": riders,
            "sos": [{"lat": s.lat, "lon": s.lon, "bib": s.registration.bib, "at": when(s.at, event, "H:i:s")}
                    for s in sos],
            "checkpoints": [{"lat": c.lat, "lon": c.lon, "name": c.name, "out": counts.get(c.pk, 0)}
                            for c in checkpoints if c.lat is not None]}


def trail_map(*, tracker: Tracker) -> tuple[Position | None, dict]:
    """What a rider's share link shows: the last position and the trail on the map."""
    trail = trail_of(registration=tracker.registration)
    return (trail[-1] if trail else None), {**_map_base(), "routes": [], "checkpoints": [], "sos": [],
                                             "riders": [], "trail": [[p.lat, p.lon] for p in trail]}


def sos_calls(*, event: Event) -> list[Position]:
    """The SOS calls of the event, newest first, each with a link that opens its place in Amap."""
    calls = list(Position.objects.filter(event=event, sos=True).select_related("registration__rider")
                 .order_by("-at")[:50])
    for call in calls:
        call.amap_url = amap_marker_url(call.lat, call.lon, "SOS")  # type: ignore[attr-defined]
    return calls


def latest_positions(*, event: Event) -> dict[int, Position]:
    """Each sharing rider's newest position (the live map puts it over an older passing)."""
    newest = Position.objects.filter(registration=OuterRef("registration"), sos=False).order_by("-at").values("at")[:1]
    return {p.registration_id: p for p in Position.objects.filter(event=event, sos=False, at=Subquery(newest))}


@dataclass
class Sharing:
    tracking: bool  # the event takes positions
    tracker: Tracker | None
    emergency: bool  # SOS reaches a phone
    last: Position | None


def sharing_of(*, registration: Registration) -> Sharing | None:
    """The rider's position sharing at this event (None when the event does not take positions)."""
    timing = Timing.objects.filter(event_id=registration.event_id, tracking=True).first()
    if timing is None:
        return None
    tracker = Tracker.objects.filter(registration=registration).first()
    last = Position.objects.filter(registration=registration).order_by("-at").first()
    return Sharing(True, tracker, bool(timing.emergency_phone), last)


def tracker_by_token(*, token: str) -> Tracker | None:
    if not token or len(token) > 40:
        return None
    return Tracker.objects.select_related("registration__event", "registration__rider").filter(
        share_token=token).first()


def trail_of(*, registration: Registration, limit: int = 500) -> list[Position]:
    return list(Position.objects.filter(registration=registration, sos=False).order_by("-at")[:limit])[::-1]


def certificate_ready(*, row: Row | None) -> bool:
    return row is not None and row.status == Result.Status.FINISHED


def own_registration(*, registration_id: int, user) -> Registration:
    """The rider's own registration (or their child's, for a guardian): where their phone shares its
    position from. Organizers see positions on the live page, not here; anyone else gets 404."""
    from django.http import Http404  # noqa: PLC0415

    registration = (Registration.objects.select_related("event", "rider").filter(pk=registration_id).first()
                    if user is not None and user.is_authenticated else None)
    if registration is None or user.pk not in (registration.rider_id, registration.rider.guardian_id):
        raise Http404
    return registration


def certificate_of(*, row: Row, verify_url: str):
    """What a finisher's certificate shows (timing/certificates.py draws it)."""
    from core.i18n import localized  # noqa: PLC0415
    from core.templatetags.site import duration  # noqa: PLC0415 (H:MM:SS, as the pages show it)
    from timing.certificates import Certificate  # noqa: PLC0415

    registration, result = row.registration, row.result
    rider, event, version = registration.rider, registration.event, registration.category.route_version
    return Certificate(
        event=localized(event, "title"), day=when(event.starts_at, event, "Y-m-d"),
        name=rider.real_name or rider.public_name, bib=registration.bib,
        category=localized(registration.category, "name"), time=duration(result.chip_seconds),
        gun_time=duration(result.gun_seconds), rank=result.rank, rank_gender=result.rank_gender,
        gender=str(rider.get_gender_display()), rank_age=result.rank_age, age_group=result.age_group,
        distance_km=version.distance_m / 1000 if version else None,
        climb_m=version.elevation_gain_m if version else None, verify_url=verify_url)


def finishers_of(*, event: Event) -> list[Row]:
    """Every finisher's row, by category and rank (the organizer's certificates in bulk)."""
    return [row for rows in live_results(event=event).values() for row in rows
            if row.status == Result.Status.FINISHED]


def certificate_check(*, registration_id: int, seconds: int) -> Row | None:
    """The row a certificate's QR names, if the rider still finished in that time."""
    registration = Registration.objects.select_related("event", "category", "rider").filter(
        pk=registration_id, status=Registration.Status.CONFIRMED).first()
    row = result_of(registration=registration) if registration else None
    if row is None or row.status != Result.Status.FINISHED or row.result.chip_seconds != seconds:
        return None
    return row


def course_map(*, event: Event, checkpoints: list[Checkpoint]) -> dict:
    """What the Timing page's map draws to pick a checkpoint's place: each route the categories ride
    (its line and measured length) and the checkpoints already placed."""
    routes = {}
    for category in Category.objects.filter(event=event).exclude(route_version=None).select_related(
            "route_version__route"):
        version = category.route_version
        if version is not None and version.pk not in routes:
            routes[version.pk] = {"id": version.pk, "name": f"{version.route.name} v{version.number}",
                                  "line": [p for segment in version.line for p in segment],
                                  "total_m": version.distance_m}
    drawn = _map_base()
    drawn["labels"]["picked"] = _("Picked: %(km)s km")
    return {**drawn, "routes": list(routes.values()),
            "checkpoints": [{"lat": c.lat, "lon": c.lon, "name": c.name} for c in checkpoints if c.lat is not None]}
