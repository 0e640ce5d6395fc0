"""The insights pages in a real browser, on the synthetic demo data: charts draw, tables fill."""


import pytest
from django.contrib.auth.models import Group

from tests.browser.conftest import log_in
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
