"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live server."""

import datetime
import os
import shutil
from pathlib import Path

import pytest

from tests.demo_snapshot import demo_loaded
from tests.factories import PASSWORD

# Debian's chromium-headless-shell (the old headless mode, no browser UI underneath) when it is
# installed: the same Blink, 15-20% less CPU per page than `chromium --headless` (measured on the
# crawl: 31.5-36.0 s vs 38.1-39.1 s a viewport, issue 26); full Chromium otherwise.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("CHROMIUM") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


FULL_PAGES = os.environ.get("SCREENSHOTS", "") == "full"


def _screenshots_by_policy() -> None:
    """Screenshots are of the first screen unless SCREENSHOTS=full (`make screenshots`): a full-page
    shot costs 0.4-1 s of Chromium's CPU (151 in the suite, about a minute of the gate), the first
    screen 0.03-0.05 s. Element shots are unchanged."""
    from playwright.sync_api import Page

    if FULL_PAGES or getattr(Page.screenshot, "by_policy", False):
        return
    full = Page.screenshot

    def screenshot(self, *args, **kwargs):
        kwargs["full_page"] = False
        return full(self, *args, **kwargs)

    screenshot.by_policy = True  # type: ignore[attr-defined]
    Page.screenshot = screenshot

# Chromium's RenderDocument (a new frame host for every page a tab opens) cost ~15 ms of CPU a page
# load (bench: 46-50 -> 32-36 ms a navigation to a trivial page; the everyone crawl 36.5 -> 32
# CPU-s a viewport; issue 26); off. Chromium keeps only the last --disable-features it is given, so
# Playwright's own list (playwright 1.65, chromiumSwitches.ts) is repeated here with it.
PLAYWRIGHTS_DISABLED = ("AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,"
                        "HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,"
                        "ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,TcpPortRandomizationWin,"
                        "OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,"
                        "msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion,"
                        "SkipListAccountsWithoutGaiaCookies")
DISABLED = f"{PLAYWRIGHTS_DISABLED},RenderDocument"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs chromium-headless-shell)")
        pytest.skip(f"{CHROMIUM} not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
    # itself (fixtures) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    _screenshots_by_policy()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", f"--disable-features={DISABLED}",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo data, loaded as `make run` loads it."""
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    demo_loaded()


def log_in(page, base: str, username: str, password: str = PASSWORD, *, by_form: bool = False) -> None:
    """Log in. The login itself is the real one (allauth's login view checks the password and records
    how the person signed in, as for the form), posted by Django's test client; its session cookie
    is handed to the browser, whose next page is signed in. Typing into the form and landing on /me/
    cost three page loads a login (~150 logins a run, issue 26): `by_form` types it and waits for
    /me/, for the journey that tests the form (test_journeys_browser.py); the form's refusals are
    audited in test_everyone_browser.py."""
    if by_form:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", password)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/me/")
        return
    from django.conf import settings
    from django.test import Client

    client = Client()
    answer = client.post("/accounts/login/", {"login": username, "password": password})
    assert answer.status_code == 302 and answer.url.endswith("/me/"), (username, answer.status_code)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def csp_watch(page) -> list[str]:
    """Collect the page's Content-Security-Policy violations (Chromium logs each one)."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text[:160]}")
            if "Content Security Policy" in message.text else None)
    return violations


@pytest.fixture
def page(browser):
    """A phone-sized page; every browser test also fails on any CSP violation it caused."""
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")
    page = context.new_page()
    violations = csp_watch(page)
    yield page
    context.close()
    assert violations == [], violations


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


SIZES = [({"width": 390, "height": 844}, "zh-CN", "zh"), ({"width": 1280, "height": 800}, "en-GB", "en")]


@pytest.fixture(params=SIZES, ids=["phone-zh", "desktop-en"])
def person(request, browser):
    """(page, tag): a phone in Chinese, then a desktop in English; fails on any CSP violation."""
    viewport, locale, tag = request.param
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    violations = csp_watch(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield page, tag
    context.close()
    assert violations == [], violations


def taihang_race(*, starts_in: datetime.timedelta = datetime.timedelta(days=1),
                 closes_in: datetime.timedelta = datetime.timedelta(hours=12), **fields):
    """(organizer, event): the race the race-day journeys use, published (slug taihang-race), its
    organizer `raceorganizer`; `fields` go to event_create (categories, questions)."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from events.services import event_create, event_publish
    from tests.factories import UserFactory

    organizer = UserFactory(username="raceorganizer")
    organizer.groups.add(Group.objects.get_or_create(name="organizers")[0])
    now = timezone.now()
    fields.setdefault("categories", [{"name": "100公里", "name_en": "100 km", "capacity": 50}])
    event = event_create(created_by=organizer, slug="taihang-race", title="太行山挑战赛", title_en="Taihang Challenge",
                         kind="race", starts_at=now + starts_in, ends_at=now + starts_in + datetime.timedelta(hours=6),
                         registration_opens_at=now - datetime.timedelta(days=3),
                         registration_closes_at=now + closes_in, **fields)
    event_publish(event=event)
    return organizer, event
