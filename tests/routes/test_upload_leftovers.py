"""Issue 23: nothing left behind, and large files off the request.

- An upload killed after its file is written and before its row commits (gunicorn's timeout makes
  the worker raise SystemExit wherever it is) leaves a file no row references; the hourly sweep
  removes it once it is an hour old, and nothing that a row holds or that is younger.
- Deleting an account removes every file of the person's: their rides' files and anything else in
  their folder, such as the file of a ride upload that was killed.
- A larger ride is measured by a worker: the rider sees it pending, then ready (or refused, with
  the reason, its file gone); the API answers 202 with where to look.
"""

from __future__ import annotations

import datetime
import gzip
from pathlib import Path

import pytest
from django.test import TestCase
from django.utils import timezone

from accounts.models import User
from accounts.services import account_delete
from core.files import orphan_files_sweep, referenced_names
from routes.models import Ride, RouteVersion
from routes.services import ride_process, ride_upload, rides_sweep, route_import
from routes.services.files import measured_later
from tests.helpers import make_gpx
from tests.routes import hostile

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk(settings, tmp_path) -> Path:
    """Files on a real file system for these tests (the suite's default storage is in memory)."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _killed(monkeypatch, model) -> None:
    """The worker dies right after the file is written, before the row is saved."""
    def die(*args, **kwargs):
        raise SystemExit(1)  # what gunicorn's worker does on its timeout (SIGABRT -> sys.exit)
    monkeypatch.setattr(model, "save", die)


def test_a_killed_route_upload_leaves_a_file_that_the_sweep_removes(organizer, disk, monkeypatch):
    kept = route_import(owner=organizer, data=make_gpx(name="留下"), filename="keep.gpx")
    with monkeypatch.context() as patch:
        _killed(patch, RouteVersion)
        with pytest.raises(SystemExit):
            route_import(owner=organizer, data=make_gpx(name="中断", points=300), filename="killed.gpx")
    left = _files(disk) - {kept.gpx_file.name}
    assert len(left) == 1 and not RouteVersion.objects.filter(gpx_file__in=left).exists()  # an orphan
    assert orphan_files_sweep() == 0  # younger than an hour: it may be an upload in flight
    later = timezone.now() + datetime.timedelta(hours=2)
    assert orphan_files_sweep(now=later) == 1
    assert _files(disk) == {kept.gpx_file.name}  # what a row holds stays
    assert kept.gpx_file.name in referenced_names()


def test_deleting_an_account_removes_every_file_of_theirs(rider, disk, monkeypatch, client):
    ride = ride_upload(rider=rider, data=make_gpx(name="早骑"), filename="morning.gpx")
    with monkeypatch.context() as patch:
        _killed(patch, Ride)
        with pytest.raises(SystemExit):
            ride_upload(rider=rider, data=make_gpx(name="中断", points=250), filename="killed.gpx")
    other = ride_upload(rider=User.objects.create(username="other"),
                        data=make_gpx(name="别人"), filename="other.gpx")
    mine = {name for name in _files(disk) if name.startswith(f"rides/u{rider.pk}/")}
    assert len(mine) == 2 and ride.file.name in mine  # the ride's file and the killed upload's
    account_delete(user=rider)
    assert _files(disk) == {other.file.name}  # theirs all gone, another rider's kept


def test_a_large_ride_is_measured_by_a_worker(rider, settings, disk, client):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    data = make_gpx(name="长途", points=300)
    assert measured_later(data)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        ride = ride_upload(rider=rider, data=data, filename="long.gpx")
    assert ride.status == Ride.Status.PENDING and ride.file and len(queued) == 1
    client.force_login(rider)
    page = client.get(f"/routes/rides/{ride.pk}/").content.decode()
    assert 'data-status="pending"' in page and 'http-equiv="refresh"' in page
    ride_process(ride_id=ride.pk)
    ride.refresh_from_db()
    assert ride.status == Ride.Status.READY and ride.points == 300 and ride.distance_m > 0
    assert ride_process(ride_id=ride.pk).status == Ride.Status.READY  # twice changes nothing
    page = client.get(f"/routes/rides/{ride.pk}/").content.decode()
    assert 'data-status="pending"' not in page and "km" in page


def test_a_refused_large_ride_says_why_and_keeps_no_file(rider, settings, disk, client):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    with TestCase.captureOnCommitCallbacks(execute=True):
        ride = ride_upload(rider=rider, data=hostile.route_zigzag(60), filename="zig.gpx")
    ride.refresh_from_db()
    assert ride.status == Ride.Status.FAILED and ride.error_code == "too_long" and not ride.file
    assert not list((disk / "rides").rglob("*.gpx"))
    client.force_login(rider)
    page = client.get(f"/routes/rides/{ride.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="failed"' in page and "5,000 km" in page


def test_the_api_answers_202_for_a_ride_a_worker_measures(rider, settings, disk, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    client.force_login(rider)
    with TestCase.captureOnCommitCallbacks(execute=False):
        response = client.post("/api/v1/rides/", {"file": SimpleUploadedFile("r.gpx", make_gpx(points=300))})
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert response["Location"].endswith(f"/api/v1/rides/{response.json()['id']}/")
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 20_000_000
    small = client.post("/api/v1/rides/", {"file": SimpleUploadedFile("s.gpx", make_gpx(points=50))})
    assert small.status_code == 201 and small.json()["status"] == "ready"


def test_a_lost_ride_task_is_queued_again(rider, settings, disk):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    with TestCase.captureOnCommitCallbacks(execute=False):
        ride = ride_upload(rider=rider, data=make_gpx(points=300), filename="lost.gpx")
    assert rides_sweep() == 0  # not overdue yet
    assert rides_sweep(now=timezone.now() + datetime.timedelta(minutes=11)) == 1  # inline in tests
    ride.refresh_from_db()
    assert ride.status == Ride.Status.READY


def test_a_gzipped_upload_is_judged_by_what_it_unpacks_to(settings):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000_000
    packed = gzip.compress(make_gpx(points=20_000), 9)
    assert len(packed) < 1_000_000 < len(gzip.decompress(packed))
    assert measured_later(packed)  # small on the wire, large to work on
    assert not measured_later(make_gpx(points=200))
    fit = hostile.fit_points(12_000)  # 108 KB of FIT: about a GPX of a megabyte to decode
    assert len(fit) < 1_000_000 and measured_later(fit)


@pytest.mark.django_db(transaction=True)
def test_in_eager_mode_the_workers_refusal_is_the_answer(settings, disk, client):
    """No Redis: the task runs when the upload commits, inside the request; its refusal is the answer
    (400, the reason), as a refusal in the request would be, and the file is gone."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    rider = User.objects.create(username="eager-rider")
    client.force_login(rider)
    refused = client.post("/api/v1/rides/", {"file": SimpleUploadedFile("z.gpx", hostile.route_zigzag(60))},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and refused.json()["code"] == "too_long", refused.json()
    assert "5,000" in str(refused.json())
    assert not Ride.objects.get(rider=rider).file and not list((disk / "rides").rglob("*.gpx"))
