"""Issue 10: a long sales file is imported in the background with progress; work whose task was
lost (a worker killed with kill -9, Redis down when it was queued) is queued again by the sweep."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cycling import tasks as site_tasks
from industry.models import Brand, SalesImport, SalesRecord, StatRun
from industry.sales import sales_imports_sweep
from industry.stats import stats_overdue, stats_requested
from routes.models import RouteVersion
from routes.services import route_import, route_versions_sweep
from tests.factories import UserFactory
from tests.helpers import make_gpx

LINES = ["brand,month,channel,units,revenue_cny"] + [f"acme,{1900 + i // 12}-{i % 12 + 1:02d},domestic,{i},{i}"
                                                      for i in range(3000)]


@pytest.fixture
def analyst(db):
    Brand.objects.create(slug="acme", name="Acme", is_local=True)
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="analysts")[0])
    return user


def test_a_large_sales_file_runs_in_the_background_with_a_status_page(client, analyst, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.SALES_ASYNC_BYTES = 1000
    client.force_login(analyst)
    upload = SimpleUploadedFile("sales.csv", "\n".join(LINES).encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/insights/sales/import/", {"file": upload})
    job = SalesImport.objects.get()
    assert response.status_code == 302 and response.url == f"/insights/sales/import/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert job.status == "queued" and 'http-equiv="refresh"' in page  # follows itself until done
    for callback in queued:  # the worker runs it
        callback()
    job.refresh_from_db()
    assert job.status == "done" and job.applied == 3000 and SalesRecord.objects.count() == 3000
    assert not job.file  # the upload is not kept
    page = client.get(f"/insights/sales/import/{job.pk}/").content.decode()
    assert 'id="rows-applied">3000' in page and 'http-equiv="refresh"' not in page
    assert client.get(f"/api/v1/insights/sales/imports/{job.pk}/").json()["status"] == "done"


def test_a_bad_large_file_applies_nothing_and_lists_the_problems(client, analyst, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.SALES_ASYNC_BYTES = 1000
    client.force_login(analyst)
    upload = SimpleUploadedFile("sales.csv", "\n".join([*LINES, "acme,2026-13,domestic,1,1"]).encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/insights/sales/", {"file": upload})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    job = SalesImport.objects.get(pk=response.json()["id"])
    assert job.status == "failed" and SalesRecord.objects.count() == 0
    assert any("3002" in e for e in job.errors)
    rider = UserFactory()
    client.force_login(rider)
    assert client.get(f"/insights/sales/import/{job.pk}/").status_code == 404


def test_the_sweep_requeues_lost_sales_imports(analyst, monkeypatch):
    queued = []
    monkeypatch.setattr("industry.sales.task_queue_best_effort", lambda name, *args, **kw: queued.append(args))
    now = timezone.now()
    fresh = SalesImport.objects.create(uploaded_by=analyst, file="sales/a.csv")
    stale = SalesImport.objects.create(uploaded_by=analyst, file="sales/b.csv")
    dead = SalesImport.objects.create(uploaded_by=analyst, file="sales/c.csv", status="running",
                                      started_at=now - datetime.timedelta(hours=2))
    SalesImport.objects.filter(pk=stale.pk).update(created_at=now - datetime.timedelta(minutes=30))
    assert sales_imports_sweep(now=now) == 2
    assert sorted(queued) == sorted([(stale.pk,), (dead.pk,)]) and (fresh.pk,) not in queued


def test_the_sweep_requeues_route_versions_whose_task_was_lost(organizer, settings, monkeypatch):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 100
    monkeypatch.setattr("core.queue.task_queue", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("down")))
    version = route_import(owner=organizer, data=make_gpx(), filename="big.gpx")  # Redis down: not queued
    assert version.status == RouteVersion.Status.PENDING
    assert route_versions_sweep() == 0  # not overdue yet
    monkeypatch.undo()
    RouteVersion.objects.filter(pk=version.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=15))
    assert route_versions_sweep() == 1  # queued again; inline in tests
    version.refresh_from_db()
    assert version.status == RouteVersion.Status.READY


def test_statistics_asked_for_and_not_done_are_computed_by_the_sweep(db):
    stats_requested(event_id=7)  # the task that should follow was lost
    assert not stats_overdue()
    assert stats_overdue(now=timezone.now() + datetime.timedelta(minutes=11))
    StatRun.objects.filter(job="event:7").update(requested_at=timezone.now() - datetime.timedelta(minutes=11))
    assert site_tasks.sweep()["stats"] == 1  # queued again; inline in tests
    assert not stats_overdue()  # the full run answered the request
    assert site_tasks.sweep()["stats"] == 0
