"""Issue 25, what axe cannot see: the route page at 320 CSS px (reflow), the profile read with the
keyboard, Leaflet's buttons in the page's language, the route line no unnamed Tab stop, Chinese names
on English pages marked lang="zh-Hans", and the insights charts' lines told apart without colour."""

import pytest
from playwright.sync_api import expect

from tests.helpers import make_gpx

pytestmark = pytest.mark.browser


@pytest.fixture
def route(organizer):
    from routes.services import route_import

    return route_import(owner=organizer, data=make_gpx(points=300, climb_m=250), filename="qilihe.gpx",
                        name="七里河绿道", name_en="", publish=True).route


def test_the_route_page_by_keyboard_and_at_320_px(live_server, route, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/routes/{route.slug}/")
    expect(page.locator("#route-map[data-drawn]")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # WCAG 1.4.10: no sideways scroll
    assert page.locator("#route-map").get_attribute("role") == "region"
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
    stops = []
    for _ in range(40):  # every Tab stop has a name; the line is not one
        page.keyboard.press("Tab")
        stops.append(page.evaluate("""() => { const e = document.activeElement;
            return [e.tagName, e.getAttribute('aria-label') || e.getAttribute('title') || e.textContent.trim()]; }"""))
        if stops[-1][0] == "DIV" and page.evaluate("document.activeElement.id") == "profile":
            break
    assert all(name for _tag, name in stops), stops
    assert not any(tag in ("path", "svg", "PATH") for tag, _name in stops), stops
    assert page.evaluate("document.activeElement.id") == "profile"  # reached by Tab: a slider
    assert page.locator("#profile").get_attribute("role") == "slider"
    page.keyboard.press("End")
    end = float(page.locator("#profile-readout").get_attribute("data-km"))
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    moved = float(page.locator("#profile-readout").get_attribute("data-km"))
    assert 0 < moved < end * 0.1 and "公里" in page.locator("#profile-readout").inner_text()
    assert page.locator("#profile").get_attribute("aria-valuetext") == page.locator("#profile-readout").inner_text()
    context.close()


def test_chinese_names_on_english_pages_are_marked(live_server, route, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/routes/{route.slug}/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1 span[lang=zh-Hans]")).to_have_text("七里河绿道")
    expect(page.locator("option[lang=zh-Hans]")).to_have_count(1)  # the language switcher's 简体中文
    assert page.locator("h1").inner_text() == "七里河绿道"  # the text itself unchanged
    context.close()


def test_the_header_by_keyboard_and_the_readers_font_size(live_server, db, browser):
    """Issue 25: no skip link (8 Tabs past the header), the hidden menu checkbox an invisible Tab stop on
    a desktop, and body text fixed at 16 px whatever size the reader chose."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/events/")
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.className || document.activeElement.id "
                                   "|| document.activeElement.textContent.trim()"))
    assert order[0] == "skip-link" and order[1] == "brand" and order[2] == "Routes", order  # no hidden checkbox
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the skip link
    assert page.evaluate("document.activeElement.id") == "main"
    page.evaluate("document.documentElement.style.fontSize = '24px'")  # the reader's own larger size
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 24
    context.close()
