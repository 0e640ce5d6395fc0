"""In a real browser: a rider applies, an admin approves, the member sees and joins the club ride."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clubs.models import Membership
from clubs.services import club_create, club_ride_create
from events.models import Registration
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def switch_to(page, base, username):
    page.context.clear_cookies()
    log_in(page, base, username)


def test_apply_approve_and_member_sees_the_club_ride(live_server, transactional_db, person):
    page, tag = person

    def screenshot(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{tag}.png"), full_page=True)

    owner = UserFactory(username="clubowner")
    rider = UserFactory(username="newmember", real_name="王芳")
    club = club_create(founder=owner, name="广宗骑行俱乐部", slug="guangzong", join_policy="approval")
    start = timezone.now() + datetime.timedelta(days=4)
    club_ride_create(club=club, created_by=owner, slug="club-ride", title="周六绿道骑行", capacity=10,
                     members_only=True, pace="休闲 20 km/h", starts_at=start,
                     ends_at=start + datetime.timedelta(hours=2),
                     registration_closes_at=start - datetime.timedelta(hours=2))
    base = live_server.url

    switch_to(page, base, rider.username)
    page.goto(f"{base}/clubs/guangzong/")
    page.fill("#apply-form textarea[name=message]", "我想参加周末骑行")
    page.locator("#apply-form button[type=submit]").click()
    page.wait_for_selector("#application-pending")
    assert Membership.objects.get(user=rider).state == "pending"

    switch_to(page, base, owner.username)
    page.goto(f"{base}/clubs/guangzong/manage/")
    assert "我想参加周末骑行" in page.locator("#applications").inner_text()
    page.locator("#applications button.approve").click()
    page.wait_for_load_state()
    screenshot("club-manage")
    assert Membership.objects.get(user=rider).state == "active"

    switch_to(page, base, rider.username)
    page.goto(f"{base}/clubs/guangzong/")
    assert "周六绿道骑行" in page.locator("#upcoming-rides").inner_text()
    expect(page.locator("#my-dues")).to_contain_text("暂无会费记录" if tag == "zh" else "No dues recorded")
    screenshot("club-member-view")
    page.locator("#upcoming-rides a").first.click()
    page.wait_for_url("**/events/club-ride/")
    page.locator("#rsvp-yes").click()  # a club ride is an RSVP
    expect(page.locator("#rsvp-status")).to_be_visible()
    expect(page.locator("#going")).to_contain_text(rider.public_name)
    assert Registration.objects.get(rider=rider).status == "confirmed"
