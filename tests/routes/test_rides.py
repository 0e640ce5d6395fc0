"""Issue 15: ride uploads matched to routes (>= 95% of the route within 50 m, in its direction, in
order), completions on route and rider pages, badges for a collection, anytime challenges that feed
the participation statistics, and the privacy zone."""

import datetime
import gzip
import itertools
import math

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.services import privacy_zone_set
from core.errors import ServiceError
from routes import matching
from routes.models import Collection, Completion, Ride, Route
from routes.selectors import ride_line_shown, route_completions
from routes.services import ride_upload, route_import

M_LAT = 111_000.0
M_LON = 111_000.0 * math.cos(math.radians(37.05))
# a 20 km route near Xingtai: 5 km east, 5 km north, 5 km east, 5 km north (corners of 90 degrees)
CORNERS = [(0, 0), (5000, 0), (5000, 5000), (10000, 5000), (10000, 10000)]


def _walk(corners, spacing_m=8.0):
    """(east, north) metres every spacing_m along straight legs."""
    xs, ys = [], []
    for (x1, y1), (x2, y2) in itertools.pairwise(corners):
        n = max(1, int(math.hypot(x2 - x1, y2 - y1) / spacing_m))
        t = np.arange(n) / n
        xs.append(x1 + (x2 - x1) * t)
        ys.append(y1 + (y2 - y1) * t)
    xs.append(np.array([corners[-1][0]]))
    ys.append(np.array([corners[-1][1]]))
    return np.concatenate(xs), np.concatenate(ys)


def _to_latlon(x, y):
    return 37.05 + np.asarray(y) / M_LAT, 114.5 + np.asarray(x) / M_LON


def _route_gpx(corners=CORNERS, name="测试环线") -> bytes:
    lat, lon = _to_latlon(*_walk(corners, 50.0))
    points = "".join(f'<trkpt lat="{a:.7f}" lon="{b:.7f}"></trkpt>' for a, b in zip(lat, lon))
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<metadata><name>{name}</name></metadata><trk><trkseg>{points}</trkseg></trk></gpx>").encode()


def _ride_gpx(x, y, *, start=datetime.datetime(2026, 6, 1, 0, 0, tzinfo=datetime.UTC), speed_ms=6.0) -> bytes:
    lat, lon = _to_latlon(x, y)
    steps = np.concatenate(([0.0], np.hypot(np.diff(x), np.diff(y))))
    seconds = np.cumsum(steps) / speed_ms
    rows = []
    for a, b, s in zip(lat, lon, seconds):
        moment = (start + datetime.timedelta(seconds=float(s))).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(f'<trkpt lat="{a:.7f}" lon="{b:.7f}"><time>{moment}</time></trkpt>')
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><trkseg>{''.join(rows)}</trkseg></trk></gpx>").encode()


def _route(organizer, **fields):
    version = route_import(owner=organizer, data=_route_gpx(), filename="r.gpx", publish=True, **fields)
    return version.route


def _match(ride_x, ride_y, route: Route) -> matching.Match:
    lat, lon = _to_latlon(ride_x, ride_y)
    index = matching.RideIndex(lat, lon, np.arange(len(lat), dtype=float))
    return matching.match(index, route.current_version.line, either_direction=not route.one_way)


def test_the_route_ridden_exactly_is_complete(organizer):
    route = _route(organizer)
    result = _match(*_walk(CORNERS), route)
    assert result.complete and result.coverage >= 0.99


def test_cutting_a_corner_by_300_m_still_completes(organizer):
    route = _route(organizer)
    # leave the first leg 300 m before the corner and rejoin the second 300 m after it
    cut = [(0, 0), (4700, 0), (5000, 300), (5000, 5000), (10000, 5000), (10000, 10000)]
    result = _match(*_walk(cut), route)
    assert result.complete and 0.95 <= result.coverage < 1.0


def test_the_route_ridden_backwards_is_not_complete_for_a_one_way_route(organizer):
    route = _route(organizer)
    result = _match(*_walk(CORNERS[::-1]), route)
    assert not result.complete and result.coverage < 0.1
    route.one_way = False
    assert _match(*_walk(CORNERS[::-1]), route).complete  # either way allowed: complete


def test_half_the_route_covers_about_half(organizer):
    route = _route(organizer)
    result = _match(*_walk(CORNERS[:3]), route)
    assert not result.complete and result.coverage == pytest.approx(0.5, abs=0.03)


def test_20_m_gps_noise_still_completes(organizer):
    route = _route(organizer)
    x, y = _walk(CORNERS)
    rng = np.random.default_rng(20)
    result = _match(x + rng.normal(0, 20, len(x)), y + rng.normal(0, 20, len(y)), route)
    assert result.complete


def test_a_parallel_road_200_m_away_is_not_complete(organizer):
    route = _route(organizer)
    shifted = [(x + 200 / math.sqrt(2), y - 200 / math.sqrt(2)) for x, y in CORNERS]  # 200 m off every leg
    result = _match(*_walk(shifted), route)
    assert not result.complete and result.coverage < 0.05


def test_an_upload_finds_the_route_records_the_time_and_shows_it(client, organizer, rider):
    route = _route(organizer)
    x, y = _walk(CORNERS)
    rider.show_name_publicly, rider.gender, rider.date_of_birth = True, "female", datetime.date(1990, 5, 1)
    rider.save()
    ride = ride_upload(rider=rider, data=_ride_gpx(x, y), filename="morning.gpx")
    completion = ride.completions.get()
    assert completion.route == route and completion.complete
    assert completion.elapsed_s == pytest.approx(20_000 / 6.0, rel=0.02)  # 20 km at 6 m/s
    summary = route_completions(route=route)
    assert summary.riders == 1 and summary.leaders[0].band == "30-39" and summary.leaders[0].gender == "female"
    page = client.get(f"/routes/{route.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="leaders"' in page and rider.public_name in page and "0:55:" in page


def test_riders_who_hide_their_name_count_but_are_not_listed(client, organizer, rider):
    route = _route(organizer)
    rider.show_name_publicly = False
    rider.save()
    ride_upload(rider=rider, data=_ride_gpx(*_walk(CORNERS)), filename="r.gpx")
    summary = route_completions(route=route)
    assert summary.riders == 1 and summary.leaders == []


def test_a_ride_far_away_matches_nothing_and_a_broken_file_stores_nothing(organizer, rider):
    _route(organizer)
    x, y = _walk([(0, 0), (5000, 0)])
    ride = ride_upload(rider=rider, data=_ride_gpx(x + 50_000, y), filename="far.gpx")
    assert ride.completions.count() == 0
    rides = Ride.objects.count()
    with pytest.raises(ServiceError) as error:
        ride_upload(rider=rider, data=b"<gpx", filename="bad.gpx")
    assert error.value.error_code == "not_xml" or error.value.error_code == "malformed"
    assert Ride.objects.count() == rides


def test_a_fit_ride_from_the_corpus_uploads(rider):
    from pathlib import Path

    path = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gpx" / "GPSBabel__gpsbabel"
            / "wahoo-element-bolt.fit")
    ride = ride_upload(rider=rider, data=gzip.compress(path.read_bytes()), filename=path.name + ".gz")
    assert ride.file_format == "fit" and ride.points == 1101 and ride.started_at is not None
    assert ride.elapsed_s == 1126  # 07:08:44 to 07:27:30, as in GPSBabel's GPX of it (gpxpy's 1097 s skips gaps)


def test_a_collection_badge_when_every_route_is_completed(client, organizer, rider):
    taihang = Collection.objects.create(slug="taihang", name="骑行太行", name_en="Riding Taihang")
    first = _route(organizer, collection=taihang)
    other = [(0, 20_000), (5000, 20_000)]
    second = route_import(owner=organizer, data=_route_gpx(other, "第二条"), filename="b.gpx", publish=True,
                          collection=taihang).route
    rider.show_name_publicly = True
    rider.save()
    ride_upload(rider=rider, data=_ride_gpx(*_walk(CORNERS)), filename="a.gpx")
    page = client.get(f"/riders/{rider.username}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert first.name in page and 'class="badge"' not in page
    ride_upload(rider=rider, data=_ride_gpx(*_walk(other)), filename="b.gpx")
    page = client.get(f"/riders/{rider.username}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-collection="taihang"' in page and second.name in page


def test_the_privacy_zone_hides_points_near_home(client, rider, organizer):
    _route(organizer)
    x, y = _walk(CORNERS)
    ride = ride_upload(rider=rider, data=_ride_gpx(x, y), filename="r.gpx")
    home = _to_latlon(np.array([0.0]), np.array([0.0]))
    privacy_zone_set(rider=rider, lat=float(home[0][0]), lon=float(home[1][0]), radius_m=500)
    ride.refresh_from_db()
    shown = [p for segment in ride_line_shown(ride=ride) for p in segment]
    assert shown
    near = [p for p in shown if math.hypot((p[0] - home[0][0]) * M_LAT, (p[1] - home[1][0]) * M_LON) <= 500]
    assert near == []
    # the API and the page never carry a point inside the zone
    client.force_login(rider)
    body = client.get(f"/api/v1/rides/{ride.pk}/").json()
    for segment in body["line"]:
        for lat, lon in segment:
            assert math.hypot((lat - home[0][0]) * M_LAT, (lon - home[1][0]) * M_LON) > 500
    with pytest.raises(ServiceError):
        privacy_zone_set(rider=rider, lat=None, lon=None, radius_m=500)


def test_others_cannot_see_a_ride(client, rider, other_rider):
    ride = ride_upload(rider=rider, data=_ride_gpx(*_walk([(0, 0), (3000, 0)])), filename="r.gpx")
    client.force_login(other_rider)
    assert client.get(f"/routes/rides/{ride.pk}/").status_code == 404
    assert client.get(f"/api/v1/rides/{ride.pk}/").status_code == 404


def test_upload_page_and_api(client, rider, organizer):
    route = _route(organizer)
    client.force_login(rider)
    response = client.post("/routes/rides/", {"action": "upload",
                                              "file": SimpleUploadedFile("r.gpx", _ride_gpx(*_walk(CORNERS)))})
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert route.name in page and 'class="complete"' in page
    response = client.post("/routes/rides/", {"action": "upload", "file": SimpleUploadedFile("x.fit", b"junk")},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    response = client.post("/api/v1/rides/", {"file": SimpleUploadedFile("r.gpx", _ride_gpx(*_walk(CORNERS)))})
    assert response.status_code == 201 and response.json()["completions"][0]["complete"] is True
    assert client.get("/api/v1/rides/").json()["count"] == 2


def _challenge(organizer, route, *, days=30):
    from events import services
    from events.models import Event

    now = timezone.now()
    day = datetime.timedelta(days=1)
    event = services.event_create(
        created_by=organizer, title="七里河随时挑战", kind=Event.Kind.CHALLENGE, starts_at=now - day,
        ends_at=now + days * day, registration_opens_at=now - 2 * day, registration_closes_at=now + days * day,
        challenge_routes=[route], categories=[{"name": "挑战", "capacity": 100}])
    services.event_publish(event=event)
    return event


def test_an_anytime_challenge_is_finished_by_a_matching_ride_and_counts_in_the_statistics(
        django_capture_on_commit_callbacks, organizer, rider):
    from events import services
    from events.models import Registration
    from industry.models import EventStat
    from industry.stats import event_stats_compute

    route = _route(organizer)
    event = _challenge(organizer, route)
    registration, _ = services.registration_create(event=event, category=event.categories.get(), rider=rider,
                                                   accept_waiver=True)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        ride_upload(rider=rider, data=_ride_gpx(*_walk(CORNERS[:3]), start=now), filename="half.gpx")
    registration.refresh_from_db()
    assert registration.result == ""  # half the route: not yet
    with django_capture_on_commit_callbacks(execute=True):
        ride_upload(rider=rider, data=_ride_gpx(*_walk(CORNERS), start=now), filename="all.gpx")
    registration.refresh_from_db()
    assert registration.result == Registration.Result.FINISHED
    assert registration.finish_seconds == pytest.approx(20_000 / 6.0, rel=0.02)
    event_stats_compute(event_ids=[event.pk])
    total = EventStat.objects.get(event=event, dimension="total")
    assert total.registered == 1 and total.finished == 1


def test_a_ride_outside_the_window_does_not_finish_the_challenge(django_capture_on_commit_callbacks, organizer,
                                                                  rider):
    from events import services

    route = _route(organizer)
    event = _challenge(organizer, route)
    registration, _ = services.registration_create(event=event, category=event.categories.get(), rider=rider,
                                                   accept_waiver=True)
    with django_capture_on_commit_callbacks(execute=True):
        ride_upload(rider=rider, data=_ride_gpx(*_walk(CORNERS), start=event.starts_at - datetime.timedelta(days=3)),
                    filename="early.gpx")
    registration.refresh_from_db()
    assert registration.result == ""


def test_a_challenge_needs_a_route(organizer):
    from events import services
    from events.models import Event

    now = timezone.now()
    with pytest.raises(ServiceError):
        services.event_create(created_by=organizer, title="无路线", kind=Event.Kind.CHALLENGE, starts_at=now,
                              ends_at=now, registration_opens_at=now, registration_closes_at=now,
                              categories=[{"name": "挑战", "capacity": 10}])
    assert not Completion.objects.exists()


def test_a_challenge_page_shows_its_whole_window(client, organizer):
    event = _challenge(organizer, _route(organizer))
    page = client.get(f"/events/{event.slug}/").content.decode()
    end = timezone.localtime(event.ends_at).strftime("%Y-%m-%d %H:%M")
    assert f"–{end}</span>" in page


def test_rides_are_in_the_data_download_and_go_with_the_account(client, rider):
    from core import personal_data

    ride = ride_upload(rider=rider, data=_ride_gpx(*_walk([(0, 0), (3000, 0)])), filename="r.gpx")
    exported = personal_data.export(rider)["routes"]
    assert [r["ride"] for r in exported["rides"]] == [ride.pk]
    stored = ride.file.name
    personal_data.erase(rider)
    assert not Ride.objects.filter(rider=rider).exists()
    assert not ride.file.storage.exists(stored)


def test_the_owner_marks_a_route_as_either_direction_on_the_edit_page(client, organizer):
    from tests.helpers import browser_form

    route = _route(organizer)
    client.force_login(organizer)
    data = browser_form(client.get(f"/routes/{route.slug}/edit/").content.decode(), containing="one_way")
    assert data.get("one_way") == "on"
    data.pop("one_way")
    assert client.post(f"/routes/{route.slug}/edit/", data).status_code == 302
    route.refresh_from_db()
    assert route.one_way is False
    assert _match(*_walk(CORNERS[::-1]), route).complete
