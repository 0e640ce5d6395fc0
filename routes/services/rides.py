"""Ride uploads: a recorded ride (FIT, GPX or TCX) is stored privately, matched against the
published routes it may overlap (bounding box first, then routes/matching.py), and its
completions are announced (routes.signals.ride_matched: anytime challenges count them).

A small file is measured in the request; a larger one (routes.services.files.measured_later) is
stored as a pending ride and measured by a Celery task, the rider following it on the ride's page.
Either way the work is bounded by the ingest budget (docs/routes.md)."""

from __future__ import annotations

import datetime
import hashlib
from functools import partial
from pathlib import PurePath

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from core.files import folder_delete
from core.queue import task_queue_best_effort, task_queue_on_commit
from routes import geo, matching, track
from routes.models import Completion, Ride, rider_folder
from routes.selectors import routes_near
from routes.services.files import file_parse, measured_later
from routes.services.library import PROCESS_SWEEP_AFTER, stored_extension
from routes.signals import ride_matched

RIDE_LINE_MAX_POINTS = 2000
RIDE_TASK = "routes.ride_process"  # routes/tasks.py; queued by name


def _started_at(times: np.ndarray | None) -> tuple[datetime.datetime | None, float | None]:
    if times is None:
        return None, None
    known = times[np.isfinite(times)]
    if not len(known):
        return None, None
    start = datetime.datetime.fromtimestamp(float(known[0]), tz=datetime.UTC)
    return start, float(known[-1] - known[0])


def _measure(ride: Ride, parsed: track.ParsedTrack) -> matching.RideIndex:
    segments = parsed.segments()
    ride.started_at, ride.elapsed_s = _started_at(parsed.times)
    ride.distance_m = round(float(sum(float(geo.step_lengths(parsed.lat[sl], parsed.lon[sl]).sum())
                                      for sl in segments)), 1)
    ride.points, ride.file_format = parsed.points, parsed.kind
    ride.line = geo.simplify(parsed.lat, parsed.lon, segments, RIDE_LINE_MAX_POINTS)
    ride.min_lat, ride.min_lon = float(parsed.lat.min()), float(parsed.lon.min())
    ride.max_lat, ride.max_lon = float(parsed.lat.max()), float(parsed.lon.max())
    ride.status, ride.error_code, ride.error_params = Ride.Status.READY, "", {}
    return matching.RideIndex(parsed.lat, parsed.lon, parsed.times)


def _store(ride: Ride, data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()[:16]
    ride.file.save(f"{digest}{stored_extension(data)}", ContentFile(data), save=False)


def ride_upload(*, rider: User, data: bytes, filename: str) -> Ride:
    """Store a ride and match it now, or store it pending and let a worker do it (a larger file).
    A file refused now raises ServiceError (the same messages as routes) and stores nothing."""
    later = measured_later(data)
    parsed = None if later else file_parse(data, with_times=True)
    with transaction.atomic():
        ride = Ride(rider=rider, original_filename=PurePath(filename).name[:255], file_format="")
        if parsed is None:
            ride.status = Ride.Status.PENDING
            _store(ride, data)
            ride.save()
            task_queue_on_commit(RIDE_TASK, ride.pk)
            return ride
        index = _measure(ride, parsed)
        _store(ride, data)
        ride.save()
        _matched(ride, index)
    return ride


def _matched(ride: Ride, index: matching.RideIndex) -> None:
    completions = _match(ride, index)
    transaction.on_commit(partial(ride_matched.send, sender=Ride, ride=ride, completions=completions))


@transaction.atomic
def ride_process(*, ride_id: int) -> Ride | None:
    """Measure and match a pending ride (the Celery path). Running it twice changes nothing; a
    refused file is deleted and the ride says why."""
    ride = Ride.objects.select_for_update().filter(pk=ride_id).first()
    if ride is None or ride.status != Ride.Status.PENDING:
        return ride
    try:
        with ride.file.open("rb") as handle:
            parsed = file_parse(handle.read(), with_times=True)
    except ServiceError as exc:
        ride.status, ride.error_code, ride.error_params = Ride.Status.FAILED, exc.error_code, exc.error_params
        ride.file.delete(save=False)
        ride.save()
        return ride
    index = _measure(ride, parsed)
    ride.save()
    _matched(ride, index)
    return ride


def rides_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again the rides still pending long after upload (their task was lost)."""
    now = now or timezone.now()
    lost = list(Ride.objects.filter(status=Ride.Status.PENDING, uploaded_at__lt=now - PROCESS_SWEEP_AFTER)
                .values_list("pk", flat=True))
    for pk in lost:
        task_queue_best_effort(RIDE_TASK, pk)
    return len(lost)


def _match(ride: Ride, index: matching.RideIndex) -> list[Completion]:
    assert ride.min_lat is not None and ride.min_lon is not None and ride.max_lat is not None  # noqa: S101 - measured
    assert ride.max_lon is not None  # noqa: S101
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
    """Account deletion: rides and their files go (completions with them), and then everything in
    the rider's own folder, so that a file whose upload was killed before its row committed goes
    too."""
    for ride in Ride.objects.filter(rider=user):
        ride.file.delete(save=False)
    Ride.objects.filter(rider=user).delete()
    folder_delete(rider_folder(user.pk))

