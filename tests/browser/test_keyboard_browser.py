"""Issue 25: the whole journey with the keyboard alone, as a rider who cannot use a pointer: sign up,
verify the number, register for a paid race (a failed submit first: the focus lands on the error
summary, not on <body>), pay on the development gateway, see the check-in QR. Then the axe audit of
the pages met on the way, in their states."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core import sms
from tests.browser.audit import Audit

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab ({limit} presses)")


def focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e.id || e.tagName.toLowerCase(); }")


def test_sign_up_register_pay_and_see_the_qr_with_the_keyboard_alone(live_server, transactional_db, make_event,
                                                                      person):
    page, tag = person
    base, audit = live_server.url, Audit()
    sms.sent.clear()
    event = make_event(title="太行山挑战赛", title_en="Taihang challenge",
                       categories=[{"name": "100公里", "name_en": "100 km", "capacity": 5, "fee_cny": Decimal("120")}],
                       questions=[{"key": "size", "label": "骑行服尺码", "label_en": "Jersey size", "kind": "text"}])
    from events.services import entry_codes_create

    entry_codes_create(event=event, category=event.categories.get(), count=1)  # the form gets an entry-code field
    page.goto(f"{base}/")
    tab_to(page, "a.skip-link")  # the first Tab stop skips the header
    if page.locator(".nav-toggle-label").is_visible():  # a phone: open the menu with the keyboard
        tab_to(page, "#nav-toggle")
        page.keyboard.press("Space")
    tab_to(page, "a[href='/accounts/signup/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/signup/")
    phone = "13912340000" if tag == "zh" else "13912340001"
    for name, value in (("phone", phone), ("username", f"keys-{tag}"), ("password1", "Taihang-keys-2026"),
                        ("password2", "Taihang-keys-2026")):
        tab_to(page, f"input[name={name}]")
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/phone/verify/")
    audit.check(page, f"{tag} verify the number")
    code = [m for m in sms.sent if m.phone == f"+86{phone}" and m.kind == "code"][-1].params["code"]
    tab_to(page, "input[name=code]")
    assert page.locator("input[name=code]").get_attribute("inputmode") == "numeric"
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/")

    page.goto(f"{base}/events/{event.slug}/")
    tab_to(page, "#jump-register")
    page.keyboard.press("Enter")
    tab_to(page, "#registration-form input[name=code]")
    assert page.locator("input[name=code]").get_attribute("inputmode") is None  # letters: the full keyboard
    page.keyboard.type("WRONG-CODE")  # the server refuses it
    tab_to(page, "#registration-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator("#error-summary")).to_be_visible()
    assert focused(page) == "error-summary", focused(page)
    box = page.locator("#error-summary").bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # in view, not 1,540 px above
    audit.check(page, f"{tag} registration error")
    tab_to(page, "#error-summary a")  # the summary links to the field
    page.keyboard.press("Enter")  # jumps to the field
    if not page.evaluate("() => document.activeElement.matches('input[name=code]')"):
        tab_to(page, "#registration-form input[name=code]")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")  # no code after all
    tab_to(page, "#registration-form input[name=q_size]")
    page.keyboard.type("L")
    tab_to(page, "#registration-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/events/registrations/\d+/"))
    tab_to(page, "#pay-link")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/payments/orders/\d+/"))
    audit.check(page, f"{tag} order")
    tab_to(page, "#pay-dev")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/payments/dev/\d+/"))
    audit.check(page, f"{tag} development gateway")
    tab_to(page, "#dev-pay-succeed")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/events/registrations/\d+/"))
    expect(page.locator("#checkin-qr svg")).to_have_count(1)
    audit.check(page, f"{tag} paid registration")
    order = page.evaluate("() => document.querySelector('a[href*=\"/receipt/\"]')?.getAttribute('href')")
    assert order, "the paid registration links its receipt"
    page.goto(base + order)
    audit.check(page, f"{tag} receipt")
    page.goto(f"{base}/payments/orders/")
    audit.check(page, f"{tag} my orders")
    assert audit.problems == [], audit.report()
