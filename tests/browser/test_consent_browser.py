"""In a real browser, phone and desktop, both languages: an admin invites, the rider accepts and
only then shows on the roster; a club enters a member in a race and the member confirms the held
seat with their own ID and the waiver (issue 10)."""

import pytest
from playwright.sync_api import expect

from clubs.models import Membership
from clubs.services import club_create, team_entry_create
from events.models import Registration
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

def test_invitation_then_held_seat_confirmed_by_the_member(live_server, transactional_db, make_event,
                                                           screenshot_dir, person):
    page, tag = person
    owner = UserFactory(username=f"owner{tag}")
    rider = UserFactory(username=f"invited{tag}", mobile="+8613912345678", real_name="赵秘密")
    club = club_create(founder=owner, name="邢台山地车队", join_policy="invite")
    event = make_event(title=f"太行山骑行{tag}", questions=[
        {"key": "idno", "label": "身份证号", "label_en": "National ID", "kind": "national_id", "required": True}],
        waiver_text="本人自愿参加，风险自担。")
    base = live_server.url

    log_in(page, base, owner.username)
    page.goto(f"{base}/clubs/{club.slug}/manage/")
    page.fill("input[name=username]", rider.username)
    page.locator("form.stacked button").first.click()
    expect(page.locator("#invited")).to_contain_text(rider.public_name)
    assert "+8613912345678" not in page.content() and "赵秘密" not in page.content()
    page.screenshot(path=str(screenshot_dir / f"consent-invited-{tag}.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, rider.username)
    page.goto(f"{base}/clubs/{club.slug}/")
    expect(page.locator("#invitation")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"consent-invitation-{tag}.png"), full_page=True)
    page.locator("button[name=answer][value=accept]").click()
    expect(page.locator("#membership form[action$='/leave/']")).to_be_visible()  # a member now: may leave
    assert Membership.objects.get(club=club, user=rider).state == "active"

    [held] = team_entry_create(club=club, category=event.categories.get(), members=[rider])
    page.goto(f"{base}/events/registrations/{held.pk}/")
    expect(page.locator("#hold-confirm")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"consent-hold-{tag}.png"), full_page=True)
    page.fill("input[name=q_idno]", "11010519491231002X")
    page.locator("#hold-confirm input[name=accept_waiver]").check()
    page.locator("#hold-confirm input[name=id_consent]").check()  # the ID's own consent (PIPL)
    page.locator("#hold-confirm input[name=fill_profile]").check()  # the profile has no birth date yet
    page.locator("#hold-confirm button[type=submit]").click()
    expect(page.locator("#checkin-code")).to_be_visible()
    held.refresh_from_db()
    assert held.status == Registration.Status.CONFIRMED and held.waiver_accepted_at is not None
    page.screenshot(path=str(screenshot_dir / f"consent-confirmed-{tag}.png"), full_page=True)


@pytest.fixture
def screenshot_dir():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
