"""The organizer's timing set-up: checkpoints on the routes the event's categories ride (start, timing
points, feed stations, finish), each at a distance along its route with a closing time (关门时间) per
category; and the event's timing settings. Every change recounts the results."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import ServiceError
from events.models import Category, Event
from routes.geo import step_lengths
from routes.models import RouteVersion
from timing.errors import TimingCode
from timing.models import Checkpoint, Closing, Timing
from timing.services.recount import age_groups, results_recount, timing_of


def point_along(line: list[list[list[float]]], distance_m: float, total_m: float) -> tuple[float, float] | None:
    """The place `distance_m` along a route's (simplified) line, the line's length scaled to the
    route's measured distance."""
    points = [p for segment in line for p in segment]
    if not points:
        return None
    lat, lon = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    steps = step_lengths(lat, lon)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] <= 0:
        return float(lat[0]), float(lon[0])
    wanted = min(max(distance_m * along[-1] / total_m if total_m else distance_m, 0.0), along[-1])
    i = int(np.searchsorted(along, wanted, side="right")) - 1
    i = min(i, len(points) - 2)
    share = (wanted - along[i]) / steps[i] if steps[i] else 0.0
    return float(lat[i] + (lat[i + 1] - lat[i]) * share), float(lon[i] + (lon[i + 1] - lon[i]) * share)


def _routes(event: Event) -> dict[int, RouteVersion]:
    return {c.route_version.pk: c.route_version for c in
            Category.objects.filter(event=event).exclude(route_version=None).select_related("route_version")
            if c.route_version is not None}


@transaction.atomic
def checkpoint_save(*, event: Event, route_version_id: int, name: str, kind: str, distance_m: int, point: str,
                    closings: dict[int, dt.datetime | None], checkpoint: Checkpoint | None = None) -> Checkpoint:
    """Add a checkpoint (or change one): on a route one of the event's categories rides, within its
    length; `closings` maps the categories on that route to a closing time (None: no closing)."""
    route = _routes(event).get(route_version_id)
    if route is None:
        raise ServiceError(_("Choose a route one of the event's categories rides."), TimingCode.CHECKPOINT_INVALID,
                           field="route_version")
    if distance_m > route.distance_m + 50:
        raise ServiceError(_("The route is %(km).1f km long: a checkpoint must be on it.")
                           % {"km": route.distance_m / 1000}, TimingCode.CHECKPOINT_INVALID, field="distance_m")
    riding = set(Category.objects.filter(event=event, route_version_id=route_version_id).values_list("pk", flat=True))
    if set(closings) - riding:
        raise ServiceError(_("A closing time is for a category riding this route."), TimingCode.CHECKPOINT_INVALID,
                           field="closings")
    timing_of(event)
    checkpoint = checkpoint or Checkpoint(event=event)
    checkpoint.route_version_id, checkpoint.name, checkpoint.kind = route_version_id, name.strip(), kind
    checkpoint.distance_m, checkpoint.point = distance_m, (point.strip() or name.strip())
    place = point_along(route.line, distance_m, route.distance_m)
    checkpoint.lat, checkpoint.lon = place if place else (None, None)
    checkpoint.full_clean(exclude=["event", "route_version"], validate_unique=False)
    try:
        with transaction.atomic():
            checkpoint.save()
    except IntegrityError:
        raise ServiceError(_("This route already has a checkpoint of that name or at that distance."),
                           TimingCode.CHECKPOINT_INVALID, field="name") from None
    Closing.objects.filter(checkpoint=checkpoint).delete()
    Closing.objects.bulk_create([Closing(checkpoint=checkpoint, category_id=k, closes_at=t)
                                 for k, t in closings.items() if t is not None])
    results_recount(event=event)
    return checkpoint


@transaction.atomic
def checkpoint_remove(*, checkpoint: Checkpoint) -> None:
    event = checkpoint.event
    checkpoint.delete()
    results_recount(event=event)


@transaction.atomic
def timing_update(*, event: Event, **values) -> Timing:
    """The event's timing settings (gap, ranking, age groups, tracking, emergency phone, days kept)."""
    timing = timing_of(event)
    if "age_groups" in values and values["age_groups"].strip() and not age_groups(values["age_groups"]):
        raise ServiceError(_("Write the age groups as 18-29, 30-39, 40-."), TimingCode.CHECKPOINT_INVALID,
                           field="age_groups")
    for name, value in values.items():
        setattr(timing, name, value)
    timing.full_clean(exclude=["event"])
    timing.save()
    results_recount(event=event, timing=timing)
    return timing
