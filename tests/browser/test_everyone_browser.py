"""Issue 25: every page reachable from the navigation, as visitor, rider, organizer and analyst, on a
phone in Chinese and on a desktop in English: no serious or critical axe-core violation (WCAG 2.2
A/AA), nothing wider than the screen, no text under 9 px."""

import pytest

from accounts.models import User
from tests.browser.audit import Audit, axe
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

ROLES = [("visitor", None), ("rider", "demo-rider"), ("organizer", "demo-organizer"), ("analyst", "demo-analyst")]


@pytest.fixture
def known_passwords(demo):
    for user in User.objects.filter(username__startswith="demo-"):
        user.set_password(PASSWORD)
        user.save()


def _pinned(role: str) -> tuple[str, ...]:
    """Pages of one shape that differ by kind: every event and route as a visitor, the rider's own
    registrations and orders, every event's organizer pages."""
    from events.models import Event, Registration
    from payments.models import Order
    from routes.models import Route

    events = list(Event.objects.exclude(status="draft").exclude(slug__startswith="past-ride-").order_by("pk"))
    events += list(Event.objects.filter(slug__startswith="past-ride-").order_by("-starts_at")[:1])
    if role == "visitor":
        return (*(f"/events/{e.slug}/" for e in events), *(f"/events/{e.slug}/results/" for e in events),
                *(f"/routes/{r.slug}/" for r in Route.objects.filter(status="published")))
    if role == "rider":
        from django.conf import settings

        from accounts.models import User
        from routes.services.rides import ride_upload

        rider = User.objects.get(username="demo-rider")
        ride = ride_upload(rider=rider, data=(settings.BASE_DIR / "demo" / "gpx" / "qilihe-greenway.gpx").read_bytes(),
                           filename="qilihe-greenway.gpx")  # a ride of their own: its page has a map
        mine = Registration.objects.filter(rider=rider)
        return (f"/routes/rides/{ride.pk}/", "/no-such-page/", *(f"/events/registrations/{r.pk}/" for r in mine),
                *(f"/payments/orders/{o.pk}/" for o in Order.objects.filter(registration__in=mine)))
    if role == "organizer":
        return tuple(f"/events/{e.slug}/{page}/" for e in events for page in ("manage", "checkin", "start-list"))
    return ()


def test_every_page_for_everyone(live_server, known_passwords, person, settings):
    settings.DEBUG = False  # (the demo loads under DEBUG) our own 404 page, audited like the rest
    page, tag = person
    base, audit, audited = live_server.url, Audit(), set()
    for role, username in ROLES:
        page.context.clear_cookies()
        if username:
            log_in(page, base, username)
        audit.crawl(page, base, f"{tag} {role}", ["/", "/me/", "/events/mine/", "/insights/dashboard/"],
                    pinned=_pinned(role), audited=audited)
    print(f"\n{len(audit.pages)} pages", "\n".join(audit.pages))
    assert len(audit.pages) > 60
    assert audit.problems == [], audit.report()


FORMS = [  # (who, page, form): every form a person fills in, sent empty or wrong
    (None, "/accounts/signup/", "main form"),
    (None, "/accounts/login/", "main form"),
    (None, "/accounts/login/code/", "main form"),
    (None, "/password/forgot/", "main form"),
    ("demo-applicant", "/events/taihang-challenge/", "#registration-form"),
    ("demo-applicant", "/clubs/new/", "main form.stacked"),
    ("demo-rider", "/me/delete/", "main form"),
    ("demo-organizer", "/events/new/", "main form.stacked"),
    ("demo-organizer", "/routes/new/", "main form.stacked"),
    ("demo-organizer", "/events/qilihe-ride-festival/checkin/", "#checkin-form"),
    ("demo-analyst", "/insights/sales/import/", "main form.stacked"),
]


def test_forms_in_their_error_state(live_server, known_passwords, person):
    page, tag = person
    base, audit, signed_in = live_server.url, Audit(), "nobody"
    for username, path, form in FORMS:
        if username != signed_in:  # (the forms are listed person by person: one sign-in each)
            page.context.clear_cookies()
            if username:
                log_in(page, base, username)
            signed_in = username
        audit.submit_empty(page, base, f"{tag} {username or 'visitor'}", path, form)
    assert audit.problems == [], audit.report()


def test_third_party_api_docs_are_listed_apart(live_server, page):
    """Swagger UI is not ours: its language is declared and its findings are listed, not failed."""
    page.goto(f"{live_server.url}/api/docs/")
    assert page.locator("html").get_attribute("lang")
    print("\n/api/docs/ (Swagger UI):", [(v["id"], v["impact"]) for v in axe(page)])
