"""Issue 27: at race size the organizer's roster and a club's members come a page at a time. An
organizer pages through the roster on the manage page, and a club owner through the members, on a
phone in Chinese and a desktop in English (page sizes made small for the test)."""

import pytest
from playwright.sync_api import expect

from clubs.services import club_create, membership_invitation_answer, membership_invite
from events.services import registration_create
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

NEXT = {"zh": "下一页", "en": "Next"}


def test_the_roster_and_the_members_a_page_at_a_time(live_server, transactional_db, person, make_event, organizer,
                                                     monkeypatch):
    from clubs import views as club_views
    from events.views import organizer as organizer_views
    monkeypatch.setattr(organizer_views, "ROSTER_PAGE", 3)
    monkeypatch.setattr(club_views, "MEMBERS_PAGE", 3)
    page, tag = person
    event = make_event(capacity=10)
    riders = [UserFactory(real_name=f"骑手名单{i}") for i in range(7)]
    for rider in riders:
        registration_create(event=event, category=event.categories.get(), rider=rider)
    club = club_create(founder=organizer, name="七里河车友会", join_policy="approval")
    for rider in riders[:5]:
        membership_invite(club=club, user=rider)
        membership_invitation_answer(club=club, user=rider, accept=True)
    base = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans" if tag == "zh" else "en",
                               "url": base}])
    log_in(page, base, organizer.username)

    page.goto(f"{base}/events/{event.slug}/manage/")
    roster = page.locator("h2#roster ~ .table-scroll").first.locator("tbody tr")
    expect(roster).to_have_count(3)
    expect(page.locator("#roster")).to_contain_text("(7)")
    seen = set(roster.all_inner_texts())
    page.get_by_role("navigation", name="名单分页" if tag == "zh" else "Roster pages").get_by_role(
        "link", name=NEXT[tag]).click()
    expect(page.locator("nav.pager")).to_contain_text("2 / 3")
    assert page.url.endswith("#roster")
    expect(roster).to_have_count(3)
    assert not seen & set(roster.all_inner_texts())  # another three riders
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"race-size-roster-{tag}.png"))

    page.goto(f"{base}/clubs/{club.slug}/manage/?page=2")
    expect(page.locator("#members")).to_contain_text("(6)")  # the owner and five members
    expect(page.locator("#roster tbody tr")).to_have_count(3)
    expect(page.locator("nav.pager")).to_contain_text("2 / 2")
    page.screenshot(path=str(SCREENSHOTS / f"race-size-members-{tag}.png"))
