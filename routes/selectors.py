"""Reads of the route library: visibility, search, downloads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from core import memberships
from core.errors import ServiceError
from core.querysets import filtered
from routes import geo
from routes.models import Route, RouteVersion


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
        qs = qs.filter(Q(name__icontains=filters.text) | Q(name_en__icontains=filters.text)
                       | Q(description__icontains=filters.text) | Q(description_en__icontains=filters.text)
                       | Q(tags__name__icontains=filters.text) | Q(tags__name_en__icontains=filters.text)).distinct()
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
