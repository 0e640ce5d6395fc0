"""In a real browser (issue 29), at 390x844 zh-hans and 1280x800 en, audited (axe-core, width, text
size): the live results page refreshing while passings arrive; a rider sharing their position and
pressing SOS (console SMS backend) and the organizer's live map showing it; the finisher's certificate
opened as a PDF and rendered to an image with pdftoppm (var/screenshots)."""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core import sms
from events.models import Event, Registration
from events.services import registration_create
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, log_in, taihang_race
from tests.factories import UserFactory
from tests.helpers import make_gpx, sms_after_the_response

pytestmark = pytest.mark.browser
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _timed_race():
    """The Taihang race under way for 2 h 30 min: a start, a feed station closing at the gun + 1 h and a
    finish; four riders (bibs in order) and the timing's emergency phone."""
    from routes.services import route_import
    from timing.services import checkpoint_save, timing_update

    version = route_import(owner=UserFactory(), data=make_gpx(points=400), filename="taihang.gpx", name="太行线",
                           publish=True)
    organizer, event = taihang_race(categories=[{"name": "100公里", "name_en": "100 km", "capacity": 10,
                                                 "route_version": version}])
    category = event.categories.get()
    riders = [UserFactory(real_name=f"王{i}骑", display_name=f"骑手{i}", mobile=f"+861380013800{i}",
                          gender="male" if i % 2 else "female", date_of_birth=datetime.date(1988, 1, 1))
              for i in range(4)]
    seats = [registration_create(event=event, category=category, rider=r)[0] for r in riders]
    gun = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2, minutes=30)
    Event.objects.filter(pk=event.pk).update(starts_at=gun, ends_at=gun + datetime.timedelta(hours=6))
    event.refresh_from_db()
    Registration.objects.filter(event=event).update(checked_in_at=gun)
    checkpoint_save(event=event, route_version_id=version.pk, name="起点", kind="start", distance_m=0, point="START",
                    closings={})
    checkpoint_save(event=event, route_version_id=version.pk, name="补给站", kind="feed", distance_m=4000,
                    point="CP1", closings={category.pk: gun + datetime.timedelta(hours=1)})
    checkpoint_save(event=event, route_version_id=version.pk, name="终点", kind="finish",
                    distance_m=int(version.distance_m), point="FINISH",
                    closings={category.pk: gun + datetime.timedelta(hours=5)})
    timing_update(event=event, tracking=True, emergency_phone="+8613900000009")
    return organizer, event, gun, [Registration.objects.get(pk=s.pk) for s in seats]


def _push(event, lines: list[tuple[int, str, datetime.datetime]]) -> None:
    from timing import formats
    from timing.services import passings_ingest

    text = "".join(f"{bib},{point},{when.astimezone(SHANGHAI):%H:%M:%S}\n" for bib, point, when in lines)
    passings_ingest(event=event, reads=formats.read("csv", text), source="csv", device="finish-phone")


def test_the_live_results_refresh_while_passings_arrive(live_server, transactional_db, person):
    page, tag = person
    base, audit = live_server.url, Audit()
    _organizer, event, gun, seats = _timed_race()
    minutes = datetime.timedelta(minutes=1)
    _push(event, [(s.bib, "START", gun + 10 * minutes * 0 + datetime.timedelta(seconds=5 + i)) for i, s in
                  enumerate(seats)] + [(seats[0].bib, "CP1", gun + 30 * minutes),
                                       (seats[1].bib, "CP1", gun + 35 * minutes)])
    page.goto(f"{base}/events/taihang-race/live/")
    table = page.locator("#live-results")
    expect(table).to_contain_text("补给站")
    audit.check(page, f"{tag} live results")
    page.screenshot(path=str(SCREENSHOTS / f"timing-live-before-{tag}.png"))
    assert "2:" not in table.locator("tbody tr").first.locator("td").nth(4).inner_text()
    # the finish mat reads the first two riders; the page puts the new table in place by itself
    _push(event, [(seats[1].bib, "FINISH", gun + 118 * minutes), (seats[0].bib, "FINISH", gun + 125 * minutes)])
    page.evaluate("() => document.getElementById('live-results').dispatchEvent(new Event('live-refresh'))")
    first = table.locator("tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text(str(seats[1].bib))
    expect(first.locator("td").nth(4)).to_have_text("1:57:54")  # 1:58:00 from the gun, 6 s after it on the mat
    assert page.locator("#live-results[data-refreshed]").count() == 1
    page.fill("#live-q", str(seats[0].bib))
    page.locator("#live-search button").click()
    expect(page.locator("#live-results tbody tr")).to_have_count(1)
    audit.check(page, f"{tag} live results found")
    page.screenshot(path=str(SCREENSHOTS / f"timing-live-after-{tag}.png"))
    assert audit.problems == [], audit.report()


def test_a_rider_presses_sos_and_the_organizer_sees_it_on_the_live_map(live_server, transactional_db, person,
                                                                       settings):
    settings.SMS_BACKEND = "console"
    sms.sent.clear()
    page, tag = person
    base, audit = live_server.url, Audit()
    organizer, event, gun, seats = _timed_race()
    _push(event, [(s.bib, "START", gun + datetime.timedelta(seconds=5 + i)) for i, s in enumerate(seats)])
    rider = seats[2]
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation({"latitude": 37.071, "longitude": 114.503, "accuracy": 12})
    log_in(page, base, rider.rider.username)
    page.goto(f"{base}/events/registrations/{rider.pk}/")
    page.locator("#tracking-link").click()
    page.locator("#tracking-start").click()
    expect(page.locator("#tracking-state")).to_have_attribute("data-on", "1")
    audit.check(page, f"{tag} race-day page")
    page.screenshot(path=str(SCREENSHOTS / f"timing-sos-page-{tag}.png"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#sos-button").click()
    expect(page.locator("#sos-status")).to_have_class("message success")
    page.screenshot(path=str(SCREENSHOTS / f"timing-sos-sent-{tag}.png"))
    texts = sms_after_the_response(lambda m: m.kind == "sos")  # the outbox sends it after the response
    assert len(texts) == 1 and texts[0].phone == "+8613900000009" and str(rider.bib) in texts[0].text
    assert "37.07100" in texts[0].text  # where the phone said it was
    # the organizer's live page: the SOS listed and drawn, the field counted by checkpoint
    page.context.clear_cookies()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/taihang-race/timing/field/")
    expect(page.locator("#field-map[data-drawn]")).to_have_count(1)
    expect(page.locator("#sos-list")).to_contain_text(rider.rider.real_name)
    expect(page.locator(".leaflet-tooltip", has_text="SOS")).to_have_count(1)
    # everyone is past the feed station's closing (gun + 1 h) without reaching it: the broom wagon's list
    expect(page.locator("#broom li")).to_have_count(4)
    audit.check(page, f"{tag} field map")
    page.screenshot(path=str(SCREENSHOTS / f"timing-field-{tag}.png"))
    assert audit.problems == [], audit.report()


def test_a_finisher_opens_their_certificate_as_a_pdf(live_server, transactional_db, person, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing (.ci/run installs poppler-utils)")
    page, tag = person
    base, audit = live_server.url, Audit()
    _organizer, event, gun, seats = _timed_race()
    finisher = seats[1]
    _push(event, [(finisher.bib, "START", gun + datetime.timedelta(seconds=4)),
                  (finisher.bib, "CP1", gun + datetime.timedelta(minutes=40)),
                  (finisher.bib, "FINISH", gun + datetime.timedelta(hours=2, minutes=1, seconds=4))])
    log_in(page, base, finisher.rider.username)
    page.goto(f"{base}/events/registrations/{finisher.pk}/")
    expect(page.locator("#my-result")).to_contain_text("2:01:00")
    audit.check(page, f"{tag} my result")
    page.screenshot(path=str(SCREENSHOTS / f"timing-my-result-{tag}.png"))
    link = page.locator("#certificate-link").get_attribute("href")
    response = page.request.get(base + link)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.body())
    image = SCREENSHOTS / f"timing-certificate-{tag}"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(image)], check=True, timeout=60)
    assert image.with_suffix(".png").stat().st_size > 10_000
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    chinese = next(line for line in fonts.splitlines() if "MicroHei" in line or "CJK" in line)
    assert chinese.split()[-5:-2] == ["yes", "yes", "yes"], fonts  # embedded, a subset, with its Unicode map
    # its QR opens the check on our site
    from timing.certificates import token_for

    page.goto(f"{base}/events/certificates/{token_for(finisher.pk, 2 * 3600 + 60)}/")
    expect(page.locator("#certificate-genuine")).to_contain_text("2:01:00")
    audit.check(page, f"{tag} certificate check")
    assert audit.problems == [], audit.report()


def test_the_organizer_places_a_checkpoint_by_tapping_the_route(live_server, transactional_db, person):
    from timing.models import Checkpoint

    page, tag = person
    base, audit = live_server.url, Audit()
    organizer, event, _gun, _seats = _timed_race()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/taihang-race/manage/")
    page.get_by_role("link", name="计时" if tag == "zh" else "Timing", exact=True).first.click()
    expect(page.locator("#course-map[data-drawn]")).to_have_count(1)
    page.locator("#course-map").scroll_into_view_if_needed()
    box = page.locator("#course-map path").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#course-picked")).not_to_be_empty()
    km = float(page.input_value("#id_distance_km"))
    total = event.categories.get().route_version.distance_m / 1000
    assert 0 < km < total, (km, total)
    page.fill("#id_name", "山顶")
    page.select_option("#id_kind", "split")
    page.fill("#id_point", "TOP")
    audit.check(page, f"{tag} timing page")
    page.screenshot(path=str(SCREENSHOTS / f"timing-manage-{tag}.png"))
    page.locator("#checkpoint-add button[type=submit]").click()
    expect(page.locator("#checkpoints")).to_contain_text("山顶")
    assert Checkpoint.objects.get(event=event, name="山顶").distance_m == round(km * 1000)
    assert audit.problems == [], audit.report()


def test_positions_taken_with_no_signal_are_sent_when_it_returns(live_server, transactional_db, person):
    """The race-day page takes the phone's position once sharing is on and sends it; a position kept
    while there was no signal (the page's store) goes when the signal returns, and one sent twice (the
    answer lost) is stored once."""
    from timing.models import Position

    page, tag = person
    base = live_server.url
    _organizer, _event, _gun, seats = _timed_race()
    rider = seats[0]
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation({"latitude": 37.081, "longitude": 114.502, "accuracy": 9})
    log_in(page, base, rider.rider.username)
    page.goto(f"{base}/events/registrations/{rider.pk}/tracking/")
    page.locator("#tracking-start").click()
    expect(page.locator("#tracking-state")).to_have_attribute("data-on", "1")
    key = f"positions-{rider.pk}"
    expect(page.locator("#tracking-state")).to_have_attribute("data-sent", "1")
    first = Position.objects.get(registration=rider)  # the first position, taken and sent at once
    assert (round(first.lat, 3), round(first.lon, 3)) == (37.081, 114.502)
    page.context.set_offline(True)
    kept = [{"at": first.at.isoformat(), "lat": first.lat, "lon": first.lon, "accuracy_m": 9},  # sent before
            {"at": (first.at + datetime.timedelta(minutes=3)).isoformat(), "lat": 37.09, "lon": 114.51,
             "accuracy_m": 12}]
    page.evaluate("([key, kept]) => localStorage.setItem(key, JSON.stringify(kept))", [key, kept])
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # tried with no signal: kept
    expect(page.locator("#tracking-queue")).to_contain_text("2")
    assert Position.objects.filter(registration=rider).count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"timing-sharing-offline-{tag}.png"))
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#tracking-state")).to_have_attribute("data-sent", "3")  # the batch of two went
    expect(page.locator("#tracking-queue")).to_have_text("")
    assert sorted(Position.objects.filter(registration=rider).values_list("lat", flat=True)) == [first.lat, 37.09]
