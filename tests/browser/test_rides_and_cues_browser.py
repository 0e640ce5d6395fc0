"""Issue 15 in the browser, at 390x844 in Chinese and at desktop size in English: an organizer
renames a cue on the cue sheet and sees the device downloads; a rider enters an anytime challenge,
uploads a recorded ride from the rides page, sees the route completed and the challenge finished;
a broken FIT file gets a clear error in view."""

import datetime
import itertools
import math

import numpy as np
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events import services as event_services
from events.models import Event, Registration
from routes.services import route_import
from tests.browser.conftest import SCREENSHOTS, log_in

pytestmark = pytest.mark.browser

M_LAT = 111_000.0
M_LON = 111_000.0 * math.cos(math.radians(37.05))
CORNERS = [(0, 0), (3000, 0), (3000, 3000), (6000, 3000)]


def _walk(spacing):
    xs, ys = [], []
    for (x1, y1), (x2, y2) in itertools.pairwise(CORNERS):
        n = int(math.hypot(x2 - x1, y2 - y1) / spacing)
        xs += list(x1 + (x2 - x1) * np.arange(n) / n)
        ys += list(y1 + (y2 - y1) * np.arange(n) / n)
    return 37.05 + np.array(ys) / M_LAT, 114.5 + np.array(xs) / M_LON


def _gpx(lat, lon, times=None) -> bytes:
    rows = []
    for i, (a, b) in enumerate(zip(lat, lon)):
        t = f"<time>{times[i]}</time>" if times else ""
        rows.append(f'<trkpt lat="{a:.7f}" lon="{b:.7f}"><ele>{60 + i * 0.02:.1f}</ele>{t}</trkpt>')
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><trkseg>{''.join(rows)}</trkseg></trk></gpx>").encode()


def test_cue_sheet_downloads_and_a_ride_that_finishes_a_challenge(live_server, transactional_db, organizer,
                                                                  rider, person, tmp_path):
    page, tag = person
    base = live_server.url
    version = route_import(owner=organizer, data=_gpx(*_walk(50)), filename="loop.gpx",
                           name="七里河绿道环线", name_en="Qilihe loop", publish=True)
    route = version.route
    now = timezone.now()
    day = datetime.timedelta(days=1)
    event = event_services.event_create(
        created_by=organizer, title="七里河随时挑战", title_en="Qilihe anytime challenge", kind=Event.Kind.CHALLENGE,
        starts_at=now - day, ends_at=now + 30 * day, registration_opens_at=now - 2 * day,
        registration_closes_at=now + 29 * day, challenge_routes=[route],
        categories=[{"name": "绿道", "name_en": "Greenway", "capacity": 100}])
    event_services.event_publish(event=event)
    registration, _ = event_services.registration_create(event=event, category=event.categories.get(), rider=rider,
                                                         accept_waiver=True)

    # the organizer: route page -> cue sheet -> rename the first turn
    log_in(page, base, organizer.username)
    page.goto(f"{base}/routes/{route.slug}/")
    expect(page.locator("#downloads")).to_contain_text("FIT")
    expect(page.locator("#elevation-quality")).to_be_visible()
    page.locator("#cue-sheet-link").click()
    expect(page.locator("#cues tbody tr")).to_have_count(4)  # start, right, left, finish
    turn = page.locator("#cues tr[data-kind='right']")
    turn.locator("input[name=text]").fill("右转进入中兴大街")
    turn.locator("button[type=submit]").first.click()
    expect(page.locator("#cues")).to_contain_text("右转进入中兴大街")
    page.fill("#id_distance_km", "999")
    page.locator("#cue-add button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the cue sheet is {width} px wide"
    page.screenshot(path=str(SCREENSHOTS / f"journey-cue-sheet-{tag}.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / f"journey-cue-sheet-print-{tag}.png"), full_page=True)
    expect(page.locator(".site-header")).to_be_hidden()
    page.emulate_media(media="screen")
    page.goto(f"{base}/accounts/logout/")
    page.locator("main form button[type=submit]").click()

    # the rider: a broken FIT file first, then the ride
    log_in(page, base, rider.username)
    page.goto(f"{base}/events/{event.slug}/")
    expect(page.locator("#challenge")).to_be_visible()
    page.locator("#upload-ride").click()
    broken = tmp_path / "broken.fit"
    broken.write_bytes(b"\x0e\x10\x00\x00\x10\x00\x00\x00.FIT\x00\x00" + b"\x00" * 8)
    page.set_input_files("#id_file", str(broken))
    page.locator("#ride-upload button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_in_viewport()
    expect(page.locator("#error-summary")).to_contain_text("FIT")
    page.screenshot(path=str(SCREENSHOTS / f"journey-ride-refused-{tag}.png"))
    lat, lon = _walk(8)
    times = [(now + datetime.timedelta(seconds=i * 1.5)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(len(lat))]
    ride = tmp_path / "morning.gpx"
    ride.write_bytes(_gpx(lat, lon, times))
    page.set_input_files("#id_file", str(ride))
    page.locator("#ride-upload button[type=submit]").click()
    expect(page.locator("#completions tr.complete")).to_have_count(1)
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / f"journey-ride-matched-{tag}.png"), full_page=True)
    registration.refresh_from_db()
    assert registration.result == Registration.Result.FINISHED
    page.goto(f"{base}/events/{event.slug}/")
    expect(page.locator("#challenge .done")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / f"journey-challenge-done-{tag}.png"), full_page=True)
    page.goto(f"{base}/riders/{rider.username}/")
    expect(page.locator("#rider-completions")).to_contain_text("七里河绿道环线" if tag == "zh" else "Qilihe loop")
    page.screenshot(path=str(SCREENSHOTS / f"journey-rider-completions-{tag}.png"), full_page=True)


def test_a_large_ride_is_followed_on_its_page_until_it_is_measured(live_server, transactional_db, rider, person,
                                                                   settings, monkeypatch, tmp_path):
    """Issue 23: a larger ride is measured by a worker; the rider lands on its page, which says so and
    reloads by itself until the ride is ready; a refused one says why, in the rider's language."""
    from routes import services as route_services
    from routes.models import Ride
    from routes.services import rides as ride_services
    from tests.routes import hostile

    page, tag = person
    base = live_server.url
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    monkeypatch.setattr(ride_services, "task_queue_on_commit", lambda *args: None)  # no worker yet
    log_in(page, base, rider.username)
    page.goto(f"{base}/routes/rides/")
    ride_file = tmp_path / "long.gpx"
    ride_file.write_bytes(_gpx(*_walk(20)))
    page.set_input_files("#id_file", str(ride_file))
    page.locator("#ride-upload button[type=submit]").click()
    expect(page.locator("#ride-status[data-status='pending']")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"journey-ride-pending-{tag}.png"), full_page=True)
    ride = Ride.objects.get(rider=rider)
    route_services.ride_process(ride_id=ride.pk)  # the worker
    expect(page.locator("#ride-status")).to_have_count(0, timeout=10_000)  # the page reloaded by itself
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)
    monkeypatch.undo()
    settings.ROUTE_ASYNC_THRESHOLD_BYTES = 1_000
    page.goto(f"{base}/routes/rides/")
    zigzag = tmp_path / "zigzag.gpx"
    zigzag.write_bytes(hostile.route_zigzag(80))
    page.set_input_files("#id_file", str(zigzag))
    page.locator("#ride-upload button[type=submit]").click()
    expect(page.locator("#ride-status[data-status='failed']")).to_contain_text("5,000")
    expect(page.locator("#ride-status")).to_contain_text("公里" if tag == "zh" else "km")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the ride page is {width} px wide"
    page.screenshot(path=str(SCREENSHOTS / f"journey-ride-failed-{tag}.png"), full_page=True)
    page.goto(f"{base}/routes/rides/")
    expect(page.locator("#rides [data-status='failed']")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / f"journey-rides-list-{tag}.png"), full_page=True)
