"""A route recorded by a real device (the corpus's MTK logger file: several tracks): each track is
drawn as its own line, and the page says plainly that its heights are unreliable (issue 11)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from routes.services import route_import
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

MTK = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gpx" / "GPSBabel__gpsbabel"
       / "mtk_logger_m241_multiple_tracks.gpx")


def test_several_tracks_are_separate_lines_and_heights_are_flagged(live_server, transactional_db, organizer, page):
    version = route_import(owner=organizer, data=MTK.read_bytes(), filename=MTK.name, publish=True)
    assert len(version.line) > 1  # several tracks kept apart
    page.goto(f"{live_server.url}/routes/{version.route.slug}/")
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)
    line = page.locator("#route-map .leaflet-overlay-pane path").first  # the line (drawn first, not interactive)
    drawn = line.get_attribute("d")
    assert drawn.count("M") == len(version.line)  # one moveto per track: separate lines, no bridging
    expect(page.locator("#elevation-unreliable")).to_be_visible()
    expect(page.locator("#profile svg:visible rect.climb")).to_have_count(0)  # no climbs drawn from bad heights
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide on a phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "journey-device-route-zh.png"), full_page=True)
