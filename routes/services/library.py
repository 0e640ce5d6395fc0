"""Writes to the route library: file ingest (GPX, FIT, TCX; three doors share route_import), versions, publishing."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from core.queue import task_queue_best_effort, task_queue_on_commit
from core.slugs import insert_with_unique_slug, unique_slug
from routes import dem, formats, geo, gpx, track
from routes.models import Collection, PointOfInterest, Route, RouteVersion
from routes.services.cues import cues_build
from routes.services.files import file_parse, measured_later

RESERVED_SLUGS = frozenset({"new", "rides"})  # path segments of routes/urls.py


ROUTE_VERSION_TASK = "routes.route_version_process"  # routes/tasks.py; queued by name


@dataclass
class Ingested:
    parsed: track.ParsedTrack
    stats: geo.RouteStats
    elevation_source: str = ""  # RouteVersion.ElevationSource
    recorded: geo.RouteStats | None = None  # the file's own heights when a terrain model's are shown


DEM_MIN_COVER = 0.9  # the terrain model is used when it has a height for this share of the points


POI_KINDS = {
    PointOfInterest.Kind.WATER: ("water", "drinking", "drink", "补给", "水"),
    PointOfInterest.Kind.REPAIR: ("repair", "bike", "维修", "修车"),
    PointOfInterest.Kind.FOOD: ("food", "restaurant", "shop", "store", "cafe", "餐", "食", "小卖部"),
    PointOfInterest.Kind.VIEWPOINT: ("viewpoint", "scenic", "summit", "view", "观景", "景"),
    PointOfInterest.Kind.DANGER: ("danger", "caution", "warning", "hazard", "危险", "注意"),
}


def poi_kind(*texts: str) -> str:
    """Our kind for a waypoint: its <type>/<sym> decides first, then its name."""
    for text in texts:
        lowered = text.lower()
        for kind, words in POI_KINDS.items():
            if any(word in lowered for word in words):
                return kind
    return PointOfInterest.Kind.OTHER


def gpx_ingest(data: bytes) -> Ingested:
    """Parse and measure a GPX, FIT or TCX file without touching the database. Raises ServiceError."""
    parsed = file_parse(data)
    heights, recorded = parsed.ele, None
    source: str = RouteVersion.ElevationSource.RECORDED
    if settings.ROUTE_DEM_DIR:
        terrain = dem.sample(parsed.lat, parsed.lon, settings.ROUTE_DEM_DIR)
        if np.isfinite(terrain).mean() >= DEM_MIN_COVER:
            heights, source = terrain, RouteVersion.ElevationSource.TERRAIN
            if np.isfinite(parsed.ele).sum() >= 2:
                recorded = geo.elevation_only(parsed.lat, parsed.lon, parsed.ele, parsed.segments())
    stats = geo.compute(
        parsed.lat, parsed.lon, heights, parsed.segments(),
        max_line_points=settings.ROUTE_LINE_MAX_POINTS, max_profile_samples=settings.ROUTE_PROFILE_MAX_SAMPLES,
    )
    if not stats.has_elevation:
        source = ""
    return Ingested(parsed=parsed, stats=stats, elevation_source=source, recorded=recorded)


def _apply(version: RouteVersion, ingested: Ingested) -> None:
    s = ingested.stats
    version.status = RouteVersion.Status.READY
    version.error_code, version.error_params = "", {}
    version.processed_at = timezone.now()
    version.source = ingested.parsed.source
    version.file_format = ingested.parsed.kind
    version.points, version.segments, version.distance_m = s.points, s.segments, round(s.distance_m, 1)
    version.has_elevation = s.has_elevation
    version.elevation_quality, version.elevation_source = s.elevation_quality, ingested.elevation_source
    if ingested.recorded is not None and ingested.recorded.has_elevation:
        r = ingested.recorded
        version.recorded_gain_m, version.recorded_loss_m = r.elevation_gain_m, r.elevation_loss_m
        version.recorded_quality = r.elevation_quality
    version.elevation_gain_m, version.elevation_loss_m = s.elevation_gain_m, s.elevation_loss_m
    version.min_elevation_m, version.max_elevation_m = s.min_elevation_m, s.max_elevation_m
    version.max_gradient, version.avg_climb_gradient = s.max_gradient, s.avg_climb_gradient
    version.is_loop = s.is_loop
    version.min_lat, version.min_lon, version.max_lat, version.max_lon = s.bbox
    version.start_lat, version.start_lon = s.start
    version.finish_lat, version.finish_lon = s.finish
    version.difficulty = s.difficulty
    version.climbs = [c.as_dict() for c in s.climbs]
    version.line = s.line
    version.profile = s.profile


def _store_pois(version: RouteVersion, waypoints: list[gpx.Waypoint]) -> None:
    PointOfInterest.objects.bulk_create(
        PointOfInterest(version=version, lat=w.lat, lon=w.lon, name=w.name, description=w.description,
                        kind=poi_kind(w.kind, w.name))
        for w in waypoints
    )


def _next_version(route: Route, *, uploaded_by: User, data: bytes, filename: str) -> RouteVersion:
    Route.objects.select_for_update().get(pk=route.pk)  # serialise version numbering per route
    last = route.versions.aggregate(last=Max("number"))["last"] or 0
    version = RouteVersion(route=route, number=last + 1, uploaded_by=uploaded_by, size_bytes=len(data),
                           original_filename=PurePath(filename).name[:255])
    digest = hashlib.sha256(data).hexdigest()[:16]
    # our own name and extension, from the content (the uploader's name is kept as original_filename)
    version.gpx_file.save(f"{digest}{stored_extension(data)}", ContentFile(data), save=False)
    return version


def stored_extension(data: bytes) -> str:
    """".gpx", ".tcx" or ".fit" by the content (with ".gz" for a gzipped upload), never the uploader's."""
    packed = data[:2] == b"\x1f\x8b"  # stored as uploaded: gzipped ones stay gzipped
    head = data
    if packed:  # the first 8 KB unpacked are enough to tell
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                head = stream.read(8192)
        except (OSError, EOFError, zlib.error):
            head = b""
    return f".{formats.detect(head)}" + (".gz" if packed else "")


def route_import(
    *,
    owner: User,
    data: bytes,
    filename: str,
    route: Route | None = None,
    name: str = "",
    publish: bool = False,
    collection: Collection | None = None,
    **fields,
) -> RouteVersion:
    """Store a GPX, FIT or TCX file as a new route (or a new version of `route`) with its statistics.

    Small files (routes.services.files.measured_later) are measured now: a refused file raises
    a ServiceError and stores nothing. Larger ones are stored as a pending version and
    measured by a Celery task queued on commit; the version then turns ready or failed.
    """
    deferred = measured_later(data)
    ingested = None if deferred else gpx_ingest(data)
    publish_when_ready = False
    with transaction.atomic():
        if route is None:
            title = name or (ingested.parsed.name if ingested else "") or PurePath(filename).stem
            fields.setdefault("status", Route.Status.PUBLISHED if publish else Route.Status.DRAFT)
            publish_when_ready = deferred and fields["status"] == Route.Status.PUBLISHED
            if publish_when_ready:  # nothing public before the file is measured
                fields["status"] = Route.Status.DRAFT
            slug_text = fields.pop("slug", "") or title
            slug = unique_slug(Route, slug_text, fallback="route", reserved=RESERVED_SLUGS)
            route = Route(owner=owner, name=title[:120], slug=slug, collection=collection, **fields)
            if ingested and not route.description and ingested.parsed.description:
                route.description = ingested.parsed.description
            route.full_clean(validate_unique=False)  # the slug's uniqueness is settled on insert
            insert_with_unique_slug(route, text=slug_text, fallback="route", reserved=RESERVED_SLUGS)
        version = _next_version(route, uploaded_by=owner, data=data, filename=filename)
        version.publish_when_ready = publish_when_ready
        if ingested:
            _apply(version, ingested)
        version.save()
        if ingested:
            _store_pois(version, ingested.parsed.waypoints)
            cues_build(version=version, parsed=ingested.parsed)
            Route.objects.filter(pk=route.pk).update(current_version=version)
            route.current_version = version
        else:
            task_queue_on_commit(ROUTE_VERSION_TASK, version.pk)
    return version


PROCESS_SWEEP_AFTER = datetime.timedelta(minutes=10)  # the task takes seconds; ten minutes means lost


def route_versions_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again the pending versions whose task was lost (a worker killed, Redis down when it
    was queued): measuring twice changes nothing. Returns how many."""
    now = now or timezone.now()
    lost = list(RouteVersion.objects.filter(status=RouteVersion.Status.PENDING,
                                            created_at__lt=now - PROCESS_SWEEP_AFTER).values_list("pk", flat=True))
    for pk in lost:
        task_queue_best_effort(ROUTE_VERSION_TASK, pk)
    return len(lost)


@transaction.atomic
def route_version_process(*, version_id: int) -> RouteVersion:
    """Measure a pending version (the Celery path). Running it twice changes nothing."""
    version = RouteVersion.objects.select_for_update().get(pk=version_id)
    if version.status != RouteVersion.Status.PENDING:
        return version
    with version.gpx_file.open("rb") as handle:
        data = handle.read()
    try:
        ingested = gpx_ingest(data)
    except ServiceError as exc:
        # the uploader sees why; the file is deleted and the route stays as it was (a new route
        # stays a draft): a failed ingest leaves nothing public, as a refused upload does
        version.status = RouteVersion.Status.FAILED
        version.error_code, version.error_params = exc.error_code, exc.error_params
        version.processed_at = timezone.now()
        version.gpx_file.delete(save=False)
        version.save()
        return version
    _apply(version, ingested)
    version.save()
    _store_pois(version, ingested.parsed.waypoints)
    cues_build(version=version, parsed=ingested.parsed)
    changes: dict = {"current_version": version}
    if version.publish_when_ready:
        changes["status"] = Route.Status.PUBLISHED
    Route.objects.filter(pk=version.route_id).update(**changes)
    return version


EDITABLE_FIELDS = ("name", "name_en", "description", "description_en", "category", "surface", "region", "status",
                   "visibility", "collection", "club", "one_way")


@transaction.atomic
def route_update(*, route: Route, tags: list | None = None, **fields) -> Route:
    """Change a route's descriptive fields (not its GPX: that is a new version)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(route, name, value)
    route.full_clean(exclude=["current_version"])
    route.save()
    if tags is not None:
        route.tags.set(tags)
    return route
