"""In a real browser (issue 28): the organizer shows the helpers' join link and its QR code; a
volunteer opens the link on a phone, joins, lands on the check-in page and finds a rider there;
the volunteer cannot open the event's manage page. Both pages audited (axe-core, width, text size)."""

import datetime
from urllib.parse import unquote

import pytest

from events.models import EventHelper
from events.services import registration_create
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, log_in, taihang_race
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_a_volunteer_joins_by_the_link_and_checks_riders_in(live_server, transactional_db, person):
    page, tag = person
    base, audit = live_server.url, Audit()
    organizer, event = taihang_race(starts_in=datetime.timedelta(days=3), closes_in=datetime.timedelta(days=2))
    volunteer = UserFactory(username="volunteer", real_name="赵静")
    rider = UserFactory(username="racer", real_name="李明", mobile="13800138000")
    registration_create(event=event, category=event.categories.get(), rider=rider)

    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/taihang-race/manage/")
    page.locator("#helpers-link").click()
    page.wait_for_selector("#helper-link svg")
    audit.check(page, f"{tag} helpers page")
    page.screenshot(path=str(SCREENSHOTS / f"helpers-link-{tag}.png"))
    link = page.locator("#helper-link-text").input_value()
    assert "/helpers/join/" in unquote(link)

    page.context.clear_cookies()
    log_in(page, base, volunteer.username)
    page.goto(link)
    audit.check(page, f"{tag} join page")
    page.screenshot(path=str(SCREENSHOTS / f"helpers-join-{tag}.png"))
    page.locator("#helper-join button").click()
    page.wait_for_url("**/checkin/")
    assert EventHelper.objects.filter(event=event, user=volunteer).exists()
    page.fill("#find", "8000")
    page.locator("#checkin-find button").click()
    page.wait_for_selector("#checkin-found")
    assert "李明" in page.locator("#checkin-found").inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"helpers-checkin-{tag}.png"))
    assert page.goto(f"{base}/events/taihang-race/manage/").status == 404
    assert audit.problems == [], audit.report()
