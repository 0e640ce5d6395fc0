"""In a real browser: an analyst uploads a long sales file, lands on its status page (done, rows
saved), and a bad one lists its problems; the profile's calendar link and API token section
(issue 10)."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from industry.models import Brand, SalesRecord
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

SIZES = [({"width": 390, "height": 844}, "zh-CN", "zh"), ({"width": 1280, "height": 800}, "en-GB", "en")]


@pytest.mark.parametrize(("viewport", "locale", "tag"), SIZES)
def test_long_sales_file_status_page(live_server, transactional_db, browser, settings, tmp_path, viewport, locale,
                                     tag):
    settings.SALES_ASYNC_BYTES = 1000
    Brand.objects.create(slug="acme", name="Acme", is_local=True)
    analyst = UserFactory(username=f"analyst{tag}")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    good = tmp_path / "sales.csv"
    good.write_text("\n".join(["brand,month,channel,units,revenue_cny"] + [
        f"acme,{1900 + i // 12}-{i % 12 + 1:02d},domestic,{i},{i}" for i in range(2000)]))
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + "\nacme,2026-13,domestic,1,1\n")
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    base = live_server.url
    log_in(page, base, analyst.username)

    page.goto(f"{base}/insights/sales/import/")
    page.set_input_files("input[type=file]", str(good))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/insights/sales/import/*/")
    page.reload()  # the task ran inline (no Redis in tests); the page shows the outcome
    expect(page.locator("#rows-applied")).to_have_text("2000")
    page.screenshot(path=f"var/screenshots/sales-import-done-{tag}.png", full_page=True)
    assert SalesRecord.objects.count() == 2000

    page.goto(f"{base}/insights/sales/import/")
    page.set_input_files("input[type=file]", str(bad))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/insights/sales/import/*/")
    page.reload()
    expect(page.locator("#import-errors")).to_contain_text("2002")
    page.screenshot(path=f"var/screenshots/sales-import-failed-{tag}.png", full_page=True)

    page.goto(f"{base}/me/")
    expect(page.locator("#feed-url")).to_contain_text("/events/feed/")
    page.locator("#access").screenshot(path=f"var/screenshots/profile-access-{tag}.png")
    old = page.locator("#feed-url").inner_text()
    page.locator("form[action$='/me/calendar/renew/'] button").click()
    expect(page.locator("#feed-url")).not_to_have_text(old)
    context.close()
