"""Reads of the route library: visibility, search, downloads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from core import memberships
from core.ages import AGE_BANDS, age_band, age_on
from core.errors import ServiceError
from core.querysets import filtered
from routes import geo, matching
from routes.models import Collection, Completion, Ride, Route, RouteVersion


def routes_visible_to(*, user: User | None) -> QuerySet[Route]:
    """Routes a person may read: published public ones, club routes of their clubs, their own."""
    visible = Q(status=Route.Status.PUBLISHED, visibility=Route.Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        if user.is_staff:
            return Route.objects.all()
        visible |= Q(owner=user)
        visible |= Q(status=Route.Status.PUBLISHED, visibility=Route.Visibility.CLUB,
                     club_id__in=memberships.directory.club_ids_of_member(user=user))
    return Route.objects.filter(visible)


def routes_published() -> QuerySet[Route]:
    """Published public routes, the ones anybody may read."""
    return routes_visible_to(user=None).select_related("collection", "current_version")


def route_get(*, slug: str, user: User | None) -> Route:
    """A route the user may read; anything else is 404 (never 403: we do not reveal it exists)."""
    route = routes_visible_to(user=user).select_related("collection", "current_version", "owner").filter(
        slug=slug).first()
    if route is None:
        raise Http404
    return route


def route_editable_by(*, route: Route, user: User | None) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or route.owner_id == user.pk))


def route_version_get(*, route: Route, number: int) -> RouteVersion:
    version = route.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version


@dataclass
class RouteFilters:
    text: str = ""
    category: str = ""
    collection: str = ""
    tag: str = ""
    difficulty: int | None = None
    min_distance_km: float | None = None
    max_distance_km: float | None = None
    min_gain_m: float | None = None
    max_gain_m: float | None = None
    near: tuple[float, float] | None = None
    radius_km: float = 25.0
    bbox: tuple[float, float, float, float] | None = None  # min lat, min lon, max lat, max lon


def route_search(*, filters: RouteFilters, user: User | None) -> QuerySet[Route] | Sequence[Route]:
    """Filtered routes with everything a list shows loaded in a fixed number of queries.

    With `near`, candidates come from an indexed box around the point and are sorted by the
    true distance from the point to the route's start (attribute `near_km`)."""
    qs = routes_visible_to(user=user).filter(current_version__status=RouteVersion.Status.READY)
    if filters.text:
        # the routes of a matching tag by a subquery: joining the tags and DISTINCT over the result took
        # 654 ms at 100,000 routes on PostgreSQL (bench/route_search.py)
        tagged = Route.tags.through.objects.filter(
            Q(tag__name__icontains=filters.text) | Q(tag__name_en__icontains=filters.text)).values("route_id")
        qs = qs.filter(Q(name__icontains=filters.text) | Q(name_en__icontains=filters.text)
                       | Q(description__icontains=filters.text) | Q(description_en__icontains=filters.text)
                       | Q(pk__in=tagged))
    qs = filtered(qs, category=filters.category, collection__slug=filters.collection, tags__slug=filters.tag,
                  current_version__difficulty=filters.difficulty)
    for value, lookup in (
        (filters.min_distance_km, "current_version__distance_m__gte"),
        (filters.max_distance_km, "current_version__distance_m__lte"),
    ):
        if value is not None:
            qs = qs.filter(**{lookup: value * 1000})
    if filters.min_gain_m is not None:
        qs = qs.filter(current_version__elevation_gain_m__gte=filters.min_gain_m)
    if filters.max_gain_m is not None:
        qs = qs.filter(Q(current_version__elevation_gain_m__lte=filters.max_gain_m)
                       | Q(current_version__elevation_gain_m__isnull=True))
    if filters.bbox:
        south, west, north, east = filters.bbox
        # routes whose bounding box overlaps the requested one
        qs = qs.filter(current_version__min_lat__lte=north, current_version__max_lat__gte=south,
                       current_version__min_lon__lte=east, current_version__max_lon__gte=west)
    qs = qs.select_related("collection", "current_version").prefetch_related("tags").order_by("name", "pk")
    if not filters.near:
        return qs
    lat, lon = filters.near
    dlat = filters.radius_km / 110.574
    dlon = filters.radius_km / max(0.01, 111.320 * math.cos(math.radians(lat)))
    candidates = list(qs.filter(current_version__start_lat__range=(lat - dlat, lat + dlat),
                                current_version__start_lon__range=(lon - dlon, lon + dlon))
                      .values_list("pk", "current_version__start_lat", "current_version__start_lon"))
    if not candidates:
        return []
    ids, lats, lons = (np.array(column) for column in zip(*candidates))
    km = geo.distances_from(lat, lon, lats.astype(float), lons.astype(float)) / 1000
    order = np.argsort(km, kind="stable")
    order = order[km[order] <= filters.radius_km]
    return RoutesByDistance(qs, [int(i) for i in ids[order]], [float(k) for k in km[order]])


class RoutesByDistance(Sequence):
    """Route ids sorted by distance; only the slice a page shows is loaded, in two queries."""

    def __init__(self, queryset: QuerySet[Route], ids: list[int], km: list[float]) -> None:
        self.queryset, self.ids, self.km = queryset, ids, km

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:  # type: ignore[override]  # Django's Paginator calls count() with no value
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            ids, km = self.ids[index], self.km[index]
            by_id = {route.pk: route for route in self.queryset.filter(pk__in=ids)}
            page = []
            for pk, distance in zip(ids, km):
                route = by_id[pk]
                route.near_km = round(distance, 3)  # type: ignore[attr-defined]  # shown beside each route
                page.append(route)
            return page
        return self[index:index + 1][0]


def route_version_current(*, route_id: int | None, user: User | None, field: str = "route") -> RouteVersion | None:
    """The current version of a route the user may read (what an event's category pins);
    None for no route; a ServiceError on `field` when there is no such readable route."""
    if not route_id:
        return None
    route = routes_visible_to(user=user).filter(pk=route_id, current_version__isnull=False).select_related(
        "current_version").first()
    if route is None:
        raise ServiceError(_("No such route."), "no_route", field=field)
    return route.current_version


@dataclass
class CueLine:
    cue: object  # routes.models.Cue
    number: int
    km: float
    to_next_km: float | None


def cue_sheet(*, version: RouteVersion) -> list[CueLine]:
    """The version's cue sheet in order, each line with its distance from the start and to the next."""
    rows = list(version.cues.all())
    lines = []
    for i, cue in enumerate(rows):
        following = rows[i + 1].distance_m if i + 1 < len(rows) else None
        lines.append(CueLine(cue=cue, number=i + 1, km=round(cue.distance_m / 1000, 2),
                             to_next_km=None if following is None else round((following - cue.distance_m) / 1000, 2)))
    return lines


def routes_near(*, bbox: tuple[float, float, float, float], margin_deg: float = 0.001) -> QuerySet[Route]:
    """Published public routes with a ready version whose box meets the given box (widened by
    about 100 m): the candidates a ride is matched against."""
    min_lat, min_lon, max_lat, max_lon = bbox
    return (routes_published().filter(current_version__status=RouteVersion.Status.READY)
            .filter(current_version__min_lat__lte=max_lat + margin_deg,
                    current_version__max_lat__gte=min_lat - margin_deg,
                    current_version__min_lon__lte=max_lon + margin_deg,
                    current_version__max_lon__gte=min_lon - margin_deg))


@dataclass
class Leader:
    gender: str
    band: str
    name: str
    elapsed_s: float


@dataclass
class CompletionSummary:
    riders: int
    completions: int
    leaders: list[Leader]


def route_completions(*, route: Route) -> CompletionSummary:
    """How many riders completed the route, and the fastest elapsed time in each gender and age
    band, only among riders who let their name be shown."""
    done = Completion.objects.filter(route=route, complete=True)
    riders = done.values("rider").distinct().count()
    best: dict[tuple[str, str], Leader] = {}
    timed = (done.filter(elapsed_s__isnull=False, rider__show_name_publicly=True)
             .select_related("rider").order_by("elapsed_s"))
    for completion in timed[:500]:
        rider = completion.rider
        key = (rider.gender, age_band(age_on(rider.date_of_birth, completion.ridden_at.date())))
        if key not in best:
            best[key] = Leader(gender=key[0], band=key[1], name=rider.public_name, elapsed_s=completion.elapsed_s or 0)
    order = {name: i for i, (_low, _high, name) in enumerate(AGE_BANDS)}
    leaders = sorted(best.values(), key=lambda leader: (leader.gender, order.get(leader.band, 99)))
    return CompletionSummary(riders=riders, completions=done.count(), leaders=leaders)


@dataclass
class RiderRoute:
    route: Route
    times: int
    best_s: float | None


@dataclass
class Badge:
    collection: Collection
    routes: int


def rider_completions(*, rider: User) -> tuple[list[RiderRoute], list[Badge]]:
    """The public routes a rider completed (times, best time) and the collections they completed
    every route of (a badge: "Riding Taihang")."""
    done = (Completion.objects.filter(rider=rider, complete=True, route__in=routes_published())
            .values("route").annotate(times=Count("id"), best=Min("elapsed_s")))
    by_route = {row["route"]: row for row in done}
    routes = {r.pk: r for r in routes_published().filter(pk__in=by_route)}
    rows = [RiderRoute(route=routes[pk], times=row["times"], best_s=row["best"]) for pk, row in by_route.items()
            if pk in routes]
    rows.sort(key=lambda r: r.route.name)
    collection_ids = {r.route.collection_id for r in rows if r.route.collection_id}
    members: dict[int, set[int]] = {}
    for collection_id, pk in routes_published().filter(collection_id__in=collection_ids).values_list(
            "collection_id", "pk"):
        members.setdefault(collection_id, set()).add(pk)
    badges = [Badge(collection=collection, routes=len(members[collection.pk]))
              for collection in Collection.objects.filter(pk__in=collection_ids).order_by("name")
              if members.get(collection.pk) and members[collection.pk] <= set(by_route)]
    return rows, badges


def rides_of(*, rider: User) -> QuerySet[Ride]:
    return Ride.objects.filter(rider=rider).select_related("rider").prefetch_related("completions__route")


def ride_get(*, pk: int, rider: User) -> Ride:
    """A rider's own ride (others' rides are 404)."""
    ride = rides_of(rider=rider).filter(pk=pk).first()
    if ride is None:
        raise Http404
    return ride


def ride_line_shown(*, ride: Ride) -> list[list[list[float]]]:
    """The ride's line without the points inside its rider's privacy zone (split where cut)."""
    rider = ride.rider
    centre = ((rider.privacy_zone_lat, rider.privacy_zone_lon)
              if rider.privacy_zone_m and rider.privacy_zone_lat is not None and rider.privacy_zone_lon is not None
              else None)
    shown = []
    for segment in ride.line:
        if not segment:
            continue
        points = np.asarray(segment, dtype=float)
        keep = matching.outside_zone(points[:, 0], points[:, 1], centre, rider.privacy_zone_m)
        run: list[list[float]] = []
        for point, kept in zip(segment, keep):
            if kept:
                run.append(point)
            elif run:
                shown.append(run)
                run = []
        if run:
            shown.append(run)
    return [run for run in shown if len(run) > 1]


def completed_routes(*, rider: User, since, until) -> dict[int, float | None]:
    """The routes a rider completed with a ride ridden between two moments: route id -> the best
    elapsed time (None when no ride had timestamps). Read by events for anytime challenges."""
    rows = (Completion.objects.filter(rider=rider, complete=True, ridden_at__gte=since, ridden_at__lte=until)
            .values("route").annotate(best=Min("elapsed_s")))
    return {row["route"]: row["best"] for row in rows}


def routes_for_events(*, user: User | None) -> QuerySet[Route]:
    """Routes an organizer may put an event's category on: those they may read that have a version."""
    return routes_visible_to(user=user).filter(current_version__isnull=False)
