"""Every page works under the Content-Security-Policy (no inline script, self only): the demo's
pages at phone and desktop size in both languages show no violation, the maps draw, the language
switch and the confirm dialogs (moved from inline handlers to site.js) still work, Swagger UI
renders (issue 10)."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from events.models import Registration
from tests.browser.conftest import csp_watch, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/routes/", "/events/", "/clubs/", "/insights/", "/accounts/login/", "/accounts/signup/"]
SIGNED_IN = ["/me/", "/events/mine/"]


@pytest.fixture
def known_passwords(demo):
    for user in User.objects.filter(username__startswith="demo-"):
        user.set_password(PASSWORD)
        user.save()


def _details(base: str) -> list[str]:
    from clubs.models import Club
    from events.models import Event
    from routes.models import Route

    return ([f"/routes/{r.slug}/" for r in Route.objects.filter(status="published")[:2]]
            + [f"/events/{e.slug}/" for e in Event.objects.exclude(status="draft")[:3]]
            + [f"/clubs/{c.slug}/" for c in Club.objects.all()[:1]])


@pytest.mark.parametrize(("viewport", "locale"), [({"width": 390, "height": 844}, "zh-CN"),
                                                  ({"width": 1280, "height": 800}, "en-GB")])
def test_demo_pages_have_no_csp_violation(live_server, known_passwords, browser, viewport, locale):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    violations = csp_watch(page)
    base = live_server.url
    response = page.goto(f"{base}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for path in PUBLIC + _details(base):
        assert page.goto(f"{base}{path}").status == 200, path
    page.goto(f"{base}{_details(base)[0]}")
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)  # route-map.js ran
    log_in(page, base, "demo-rider")
    for path in SIGNED_IN:
        assert page.goto(f"{base}{path}").status == 200, path
    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Xingtai")
    context.close()
    assert violations == [], violations


def test_language_switch_and_confirm_dialogs_work_without_inline_script(live_server, known_passwords, page):
    base = live_server.url
    page.goto(f"{base}/events/")
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    log_in(page, base, "demo-rider")
    registration = Registration.objects.filter(rider__username="demo-rider", status="confirmed").first()
    page.goto(f"{base}/events/registrations/{registration.pk}/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel my registration").click()
    page.wait_for_timeout(300)
    assert asked and "Cancel your registration?" in asked[0]
    registration.refresh_from_db()
    assert registration.status == "confirmed"  # dismissed: nothing happened
