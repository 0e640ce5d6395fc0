"""The demo routes in a real browser: map drawn from our own Leaflet, profile, statistics."""

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("slug", ["qilihe-greenway", "taihang-yingtan", "taihang-zijinshan"])
def test_demo_route_page_draws_map_and_profile(live_server, demo, page, screenshot, slug):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/routes/{quote(slug)}/")
    page.wait_for_selector("#route-map[data-drawn='1']", timeout=10_000)
    assert page.locator("#route-map .leaflet-overlay-pane path").count() >= 1  # the route line
    assert page.locator("svg.profile:visible polyline").count() == 1  # the drawing for this width
    assert page.locator("dl.stats").inner_text().count("km") >= 1
    path = screenshot(f"route-{slug}")
    assert path.stat().st_size > 10_000
    assert all(url.startswith(live_server.url) for url in requests), "an asset came from another host"


def test_route_list_search_in_browser(live_server, demo, page, screenshot):
    page.goto(f"{live_server.url}/routes/")
    assert page.locator(".cards .card").count() == 3
    page.locator("summary").click()
    page.fill("input[name=q]", "太行")
    page.locator("form.filter-form button[type=submit]").click()
    page.wait_for_url("**/routes/?*")
    assert page.locator(".cards .card").count() == 2
    screenshot("route-list-search")
