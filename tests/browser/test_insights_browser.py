"""The insights pages in a real browser, on the synthetic demo data: charts draw, tables fill."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())


def test_public_summary_and_analyst_dashboard(live_server, demo, page, screenshot):
    base = live_server.url
    page.goto(f"{base}/insights/")
    assert page.locator(".demo-note").count() == 1
    assert page.locator(".chart-wrap svg rect").count() > 5
    assert page.locator("#monthly tbody tr").count() >= 12
    screenshot("insights-public")

    analyst = UserFactory(username="analyst1")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/me/")
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
