"""An organizer finds the Sponsors page (an industry page) from the event's manage page, where
industry adds its link through events' organizer_links signal, and records a sponsor; on a phone
in Chinese and on a desktop in English."""

import pytest
from playwright.sync_api import expect

from industry.models import Brand, Sponsorship
from tests.browser.conftest import (
    SCREENSHOTS,
    log_in,
)

pytestmark = pytest.mark.browser

VIEWS = [({"width": 390, "height": 844}, "zh-CN", "zh-hans", "赞助商", "添加", "冠名赞助"),
         ({"width": 1280, "height": 800}, "en-GB", "en", "Sponsors", "Add", "Title sponsor")]


@pytest.mark.parametrize(("viewport", "locale", "language", "link", "add", "tier"), VIEWS,
                         ids=["phone-zh", "desktop-en"])
def test_organizer_records_a_sponsor_from_the_manage_page(live_server, browser, transactional_db, make_event,
                                                          organizer, viewport, locale, language, link, add, tier):
    Brand.objects.create(slug="xinghe", name="星河童车", name_en="Xinghe Kids", is_local=True)
    event = make_event()
    context = browser.new_context(viewport=viewport, locale=locale)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    log_in(page, live_server.url, organizer.username)
    page.goto(f"{live_server.url}/events/{event.slug}/manage/")
    page.get_by_role("link", name=link, exact=True).click()
    page.wait_for_url("**/insights/events/*/sponsors/")
    page.select_option("select[name=tier]", "title")
    page.get_by_role("button", name=add, exact=True).click()
    expect(page.locator("#sponsors")).to_contain_text(tier)
    expect(page.locator(".messages")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sponsors-{language}-{viewport['width']}.png"), full_page=True)
    assert list(Sponsorship.objects.values_list("brand__slug", "tier")) == [("xinghe", "title")]
    context.close()

