"""Names people type (a club ride's meeting point, a GPX waypoint) show on the maps as text: a
hostile `<img onerror>` stays inert (issue 10, stored XSS in event.js and route-map.js)."""

import pytest
from playwright.sync_api import expect

from events.models import Event
from routes.services import route_import
from tests.helpers import make_gpx

pytestmark = pytest.mark.browser

HOSTILE = '<img src="x" onerror="window.__xss = 1">'


def test_meeting_point_label_stays_text(live_server, transactional_db, make_event, page):
    event = make_event()
    Event.objects.filter(pk=event.pk).update(meeting_point=HOSTILE, meeting_lat=37.05, meeting_lon=114.5)
    page.goto(f"{live_server.url}/events/{event.slug}/")
    page.locator("#meeting-map .leaflet-interactive").first.hover()
    expect(page.locator(".leaflet-tooltip")).to_have_text(HOSTILE)  # shown as typed, as text
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_waypoint_name_stays_text(live_server, transactional_db, organizer, page):
    escaped = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")  # the GPX file carries the text, escaped as XML
    waypoint = f'<wpt lat="37.0512" lon="114.5005"><name>{escaped}</name></wpt>'
    version = route_import(owner=organizer, data=make_gpx(waypoints=waypoint), filename="x.gpx", publish=True)
    page.goto(f"{live_server.url}/routes/{version.route.slug}/")
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)
    markers = page.locator("#route-map path.leaflet-interactive")
    markers.last.click(force=True)  # the waypoint is drawn last
    expect(page.locator(".leaflet-popup-content")).to_contain_text(HOSTILE)
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert page.evaluate("window.__xss") is None
