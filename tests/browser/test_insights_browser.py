"""The insights pages in a real browser, on the synthetic demo data: charts draw, tables fill."""


import pytest
from django.contrib.auth.models import Group

from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_public_summary_and_analyst_dashboard(live_server, demo, page, screenshot):
    base = live_server.url
    page.goto(f"{base}/insights/")
    assert page.locator(".demo-note").count() == 1
    assert page.locator(".chart-wrap svg rect").count() > 5
    assert page.locator("#monthly tbody tr").count() >= 12
    screenshot("insights-public")

    analyst = UserFactory(username="analyst1")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    log_in(page, base, analyst.username)
    page.goto(f"{base}/insights/dashboard/")
    assert page.locator(".chart-wrap svg polyline").count() >= 2
    screenshot("insights-dashboard")
    page.goto(f"{base}/insights/linkage/")
    page.locator("select[name=events] option").first.click()
    page.locator("select[name=events]").select_option(index=0)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_selector("#linkage")
    assert page.locator("#linkage tbody tr").count() >= 1
    assert page.locator("#correlations tbody tr").count() >= 1
    screenshot("insights-linkage")


def test_linkage_report_estimates_and_district_table(live_server, demo, person):
    """Issue 16 at 390x844 in Chinese and at desktop size in English: the sponsor's estimate with its
    interval and n, the event-study chart with labelled axes, the seed's measures; the public page's
    county-by-kind table; nothing wider than the phone."""
    page, tag = person
    base = live_server.url
    analyst = UserFactory(username=f"analyst-{tag}")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    page.goto(f"{base}/insights/")
    assert page.locator("#districts tbody tr").count() >= 5
    assert page.locator("#districts tr.total").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"insights-districts-{tag}.png"), full_page=True)
    log_in(page, base, analyst.username)
    page.goto(f"{base}/insights/linkage/")
    section = page.locator("#brand-xinghe-kids")
    assert section.locator("table.estimates tbody tr").count() == 5
    assert section.locator("td.effect").count() == 5
    assert section.locator(".chart-wrap svg circle").count() >= 11
    text = section.inner_text()
    assert ("环比" in text and "同比" in text) and "%" in text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the report is {width} px wide"
    page.screenshot(path=str(SCREENSHOTS / f"insights-linkage-estimates-{tag}.png"), full_page=True)
    section.locator("table.estimates").screenshot(path=str(SCREENSHOTS / f"insights-linkage-table-{tag}.png"))
    section.locator(".chart-wrap").screenshot(path=str(SCREENSHOTS / f"insights-event-study-{tag}.png"))
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / f"insights-linkage-print-{tag}.png"), full_page=True)
