"""The three doors of ingest (service, API, page, command) share one service and its rules."""

import gzip
import io
import json
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.errors import ServiceError
from routes.models import PointOfInterest, Route, RouteVersion
from routes.services import route_import, route_version_process
from tests.routes.conftest import make_gpx

WAYPOINTS = ('<wpt lat="37.051" lon="114.501"><name>补给站</name><type>water</type></wpt>'
             '<wpt lat="37.052" lon="114.502"><name>Bike shop</name><sym>Bike Repair</sym></wpt>'
             '<wpt lat="37.053" lon="114.503"><name>急弯</name><type>danger</type></wpt>')


def _counts():
    return Route.objects.count(), RouteVersion.objects.count(), PointOfInterest.objects.count()


def test_import_stores_statistics_geometry_and_pois(organizer):
    version = route_import(owner=organizer, data=make_gpx(waypoints=WAYPOINTS), filename="a.gpx", publish=True)
    assert version.status == RouteVersion.Status.READY
    assert version.points == 200 and version.source == "track"
    assert version.distance_m > 4000
    assert version.elevation_gain_m == pytest.approx(120, rel=0.1)
    assert version.line and version.profile and version.has_elevation
    route = Route.objects.get()
    assert route.current_version == version and route.status == Route.Status.PUBLISHED
    assert route.name == "测试线路"  # from the GPX metadata when no name is given
    assert sorted(version.pois.values_list("kind", flat=True)) == ["danger", "repair", "water"]


def test_reupload_creates_a_new_version_and_keeps_the_old(organizer, published_route):
    first = published_route.current_version
    second = route_import(owner=organizer, route=published_route, data=make_gpx(points=300), filename="b.gpx")
    published_route.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert published_route.current_version == second
    first.refresh_from_db()
    assert first.points == 200 and first.gpx_file.read().startswith(b"<?xml")


def test_refused_file_stores_nothing(organizer):
    before = _counts()
    with pytest.raises(ServiceError) as caught:
        route_import(owner=organizer, data=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><gpx/>',
                     filename="evil.gpx")
    assert caught.value.error_code == "doctype"
    assert _counts() == before


def test_file_without_elevation_is_distance_only(organizer):
    version = route_import(owner=organizer, data=make_gpx(with_ele=False), filename="flat.gpx")
    assert version.has_elevation is False and version.elevation_gain_m is None and version.distance_m > 0


def test_large_file_goes_to_celery_and_turns_ready(organizer, settings, django_capture_on_commit_callbacks):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1000
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = route_import(owner=organizer, data=make_gpx(), filename="big.gpx")
    assert version.status == RouteVersion.Status.PENDING  # what the upload answered
    assert len(callbacks) == 1  # the task was queued on commit
    version.refresh_from_db()
    assert version.status == RouteVersion.Status.READY and version.points == 200
    assert Route.objects.get().current_version == version
    # running the task again changes nothing
    assert route_version_process(version_id=version.pk).processed_at == version.processed_at


def test_large_broken_file_turns_failed_with_the_reason(organizer, settings, django_capture_on_commit_callbacks):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 10
    with django_capture_on_commit_callbacks(execute=True):
        version = route_import(owner=organizer, data=b"<gpx version='1.1'>" + b" " * 100 + b"</gpx>",
                               filename="empty.gpx")
    version.refresh_from_db()
    assert version.status == RouteVersion.Status.FAILED and version.error_code == "no_points"
    assert Route.objects.get().current_version is None


# --- the management command ------------------------------------------------------------------

def test_import_routes_command_prints_one_json_line_per_file(organizer, tmp_path):
    good = tmp_path / "good.gpx.gz"
    good.write_bytes(gzip.compress(make_gpx()))
    bad = tmp_path / "bad.gpx"
    bad.write_bytes(b"not xml")
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_routes", str(good), str(bad), owner=organizer.username, publish=True,
                     language="en", stdout=out)
    assert caught.value.returncode == 1
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["ok"] is True and first["file"] == str(good)
    assert set(first) >= {"id", "distance_m", "elevation_gain_m", "elevation_loss_m", "points"}
    assert first["points"] == 200
    assert second == {"file": str(bad), "ok": False, "error": "The file is neither GPX, TCX (both XML) nor FIT."}
    assert Route.objects.get().status == Route.Status.PUBLISHED


def test_import_routes_command_exit_zero_when_all_good(organizer, tmp_path):
    path = tmp_path / "ok.gpx"
    path.write_bytes(make_gpx())
    out = io.StringIO()
    call_command("import_routes", str(path), owner=organizer.username, stdout=out)
    assert json.loads(out.getvalue())["ok"] is True


def test_import_routes_command_messages_in_chinese_by_default(organizer, tmp_path):
    path = tmp_path / "bad.gpx"
    path.write_bytes(b"plain text")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_routes", str(path), owner=organizer.username, stdout=out)
    assert "XML" in json.loads(out.getvalue())["error"] and "文件" in json.loads(out.getvalue())["error"]


# --- the API ----------------------------------------------------------------------------------

def _upload(client, data: bytes, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {"name": "上传线路", "gpx": SimpleUploadedFile("up.gpx", data), **fields}
    return client.post("/api/v1/routes/", payload)


def test_api_upload_answers_201_with_statistics(client, organizer):
    client.force_login(organizer)
    response = _upload(client, make_gpx(waypoints=WAYPOINTS), category="mountain", visibility="public",
                       description="说明", publish="true")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "上传线路" and body["category"] == "mountain" and body["status"] == "published"
    assert body["version"]["points"] == 200 and len(body["pois"]) == 3
    assert unquote(body["status_url"]).endswith(f"/api/v1/routes/{body['slug']}/versions/1/")


def test_api_upload_hostile_file_is_400_in_callers_language_and_stores_nothing(client, organizer):
    client.force_login(organizer)
    before = _counts()
    response = client.post(
        "/api/v1/routes/",
        {"name": "x", "gpx": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
            "x.gpx", b'<gpx version="1.1"><trk><trkseg><trkpt lat="95" lon="1"/></trkseg></trk></gpx>')},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "outside the earth" in response.json()["fields"]["gpx"][0]
    assert response.json()["code"] == "coordinate_out_of_range"
    assert _counts() == before


def test_api_upload_large_file_answers_202_with_status_url(client, organizer, settings,
                                                           django_capture_on_commit_callbacks):
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1000
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, make_gpx())
    assert response.status_code == 202
    status = client.get(response.json()["status_url"]).json()
    assert status["status"] == "ready" and status["points"] == 200


def test_api_upload_needs_an_organizer(client, rider):
    assert _upload(client, make_gpx()).status_code in (401, 403)
    client.force_login(rider)
    assert _upload(client, make_gpx()).status_code == 403
    assert Route.objects.count() == 0


def test_api_new_version_by_owner_only(client, organizer, other_rider, published_route):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/api/v1/routes/{published_route.slug}/versions/"
    client.force_login(other_rider)
    assert client.post(url, {"gpx": SimpleUploadedFile("v.gpx", make_gpx())}).status_code == 403
    client.force_login(organizer)
    response = client.post(url, {"gpx": SimpleUploadedFile("v.gpx", make_gpx(points=250))})
    assert response.status_code == 201
    assert response.json()["version"]["number"] == 2 and len(response.json()["versions"]) == 2


# --- the page -----------------------------------------------------------------------------------

def test_upload_page_creates_route(client, organizer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(organizer)
    assert client.get("/routes/new/").status_code == 200
    response = client.post("/routes/new/", {"name": "页面上传", "category": "road", "visibility": "public",
                                            "publish": "on", "gpx": SimpleUploadedFile("p.gpx", make_gpx())})
    assert response.status_code == 302
    route = Route.objects.get()
    assert unquote(response.url) == f"/routes/{route.slug}/"


def test_upload_page_bad_file_is_a_form_error_and_stores_nothing(client, organizer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(organizer)
    response = client.post("/routes/new/", {"name": "坏文件", "category": "road", "visibility": "public",
                                            "gpx": SimpleUploadedFile("p.gpx", b"\x89PNG not a gpx")})
    assert response.status_code == 200
    assert "XML" in response.content.decode()
    assert _counts() == (0, 0, 0)


def test_upload_page_refuses_riders(client, rider):
    client.force_login(rider)
    assert client.get("/routes/new/").status_code == 403


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [("food", "路网补给点", "food"), ("", "补给站", "water"), ("Bike Repair", "", "repair"),
     ("Summit", "", "viewpoint"), ("", "急弯注意", "danger"), ("", "村口", "other")],
)
def test_waypoint_kinds(kind, name, expected):
    from routes.services import poi_kind

    assert poi_kind(kind, name) == expected
