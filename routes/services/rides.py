"""Ride uploads: a recorded ride (FIT, GPX or TCX) is stored privately, matched against the
published routes it may overlap (bounding box first, then routes/matching.py), and its
completions are announced (routes.signals.ride_matched: anytime challenges count them)."""

from __future__ import annotations

import datetime
import hashlib
from functools import partial
from pathlib import PurePath

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from routes import geo, matching
from routes.models import Completion, Ride
from routes.selectors import routes_near
from routes.services.files import file_parse
from routes.signals import ride_matched

RIDE_LINE_MAX_POINTS = 2000


def _started_at(times: np.ndarray | None) -> tuple[datetime.datetime | None, float | None]:
    if times is None:
        return None, None
    known = times[np.isfinite(times)]
    if not len(known):
        return None, None
    start = datetime.datetime.fromtimestamp(float(known[0]), tz=datetime.UTC)
    return start, float(known[-1] - known[0])


def ride_upload(*, rider: User, data: bytes, filename: str) -> Ride:
    """Store and match a ride. A refused file raises ServiceError (the same messages as routes)
    and stores nothing."""
    parsed = file_parse(data, with_times=True)
    segments = parsed.segments()
    started_at, elapsed = _started_at(parsed.times)
    distance = float(sum(float(geo.step_lengths(parsed.lat[sl], parsed.lon[sl]).sum()) for sl in segments))
    index = matching.RideIndex(parsed.lat, parsed.lon, parsed.times)
    bbox = (float(parsed.lat.min()), float(parsed.lon.min()), float(parsed.lat.max()), float(parsed.lon.max()))
    with transaction.atomic():
        ride = Ride(rider=rider, file_format=parsed.kind, original_filename=PurePath(filename).name[:255],
                    started_at=started_at, elapsed_s=elapsed, distance_m=round(distance, 1), points=parsed.points,
                    line=geo.simplify(parsed.lat, parsed.lon, segments, RIDE_LINE_MAX_POINTS),
                    min_lat=bbox[0], min_lon=bbox[1], max_lat=bbox[2], max_lon=bbox[3])
        digest = hashlib.sha256(data).hexdigest()[:16]
        ride.file.save(f"{digest}.{parsed.kind}", ContentFile(data), save=False)
        ride.save()
        completions = _match(ride, index)
        transaction.on_commit(partial(ride_matched.send, sender=Ride, ride=ride, completions=completions))
    return ride


def _match(ride: Ride, index: matching.RideIndex) -> list[Completion]:
    rows = []
    for route in routes_near(bbox=(ride.min_lat, ride.min_lon, ride.max_lat, ride.max_lon)):
        version = route.current_version
        if version is None:
            continue
        result = matching.match(index, version.line, either_direction=not route.one_way)
        if result.coverage <= 0:
            continue
        rows.append(Completion(ride=ride, route=route, version=version, rider=ride.rider,
                               coverage=result.coverage, complete=result.complete,
                               elapsed_s=result.elapsed_s if result.complete else None, ridden_at=ride.ridden_at))
    return Completion.objects.bulk_create(rows)


@transaction.atomic
def ride_delete(*, ride: Ride, rider: User) -> None:
    """The rider's own ride goes, with its completions (a challenge already finished stays)."""
    if ride.rider_id != rider.pk:
        raise ServiceError(_("This is not your ride."), "ride_not_yours")
    ride.file.delete(save=False)
    ride.delete()


def rides_erase(user: User) -> None:
    """Account deletion: rides and their files go (completions with them)."""
    for ride in Ride.objects.filter(rider=user):
        ride.file.delete(save=False)
    Ride.objects.filter(rider=user).delete()
