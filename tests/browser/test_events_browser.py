"""A rider signs up, registers and sees the QR code; the organizer checks the rider in."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from core import sms
from core.outbox import send_due
from events.models import Registration
from events.services import event_create, event_publish
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.helpers import sms_after_the_response

pytestmark = pytest.mark.browser


@pytest.fixture
def open_event(transactional_db):
    organizer = UserFactory(username="organizer1")
    organizer.groups.add(Group.objects.get_or_create(name="organizers")[0])
    now = timezone.now()
    event = event_create(
        created_by=organizer, slug="greenway-ride", title="七里河周末骑行", kind="sportive",
        starts_at=now + datetime.timedelta(days=7), ends_at=now + datetime.timedelta(days=7, hours=3),
        registration_opens_at=now - datetime.timedelta(hours=1),
        registration_closes_at=now + datetime.timedelta(days=6), waiver_text="我自愿参加并遵守交通规则。",
        categories=[{"name": "绿道 18 公里", "capacity": 50}],
        questions=[{"key": "jersey", "label": "骑行服尺码", "kind": "choice", "required": True,
                    "choices": ["S", "M", "L"]}])
    event_publish(event=event)
    return event, organizer


def test_rider_signs_up_registers_and_is_checked_in(live_server, open_event, page, screenshot):
    event, organizer = open_event
    base = live_server.url
    mail.outbox = []
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=phone]", "13855556666")
    page.fill("input[name=username]", "newrider")
    page.fill("input[name=password1]", "Qilihe-river-2026")
    page.fill("input[name=password2]", "Qilihe-river-2026")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/phone/verify/")
    code = [m for m in sms.sent if m.phone == "+8613855556666"][-1].params["code"]  # the console backend's text
    page.fill("input[name=code]", code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/me/")  # the code signs the rider in

    page.goto(f"{base}/events/{event.slug}/")
    page.select_option("select[name=q_jersey]", "M")
    page.check("input[name=accept_waiver]")
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url("**/events/registrations/*/")
    assert page.locator("#registration-status").inner_text() == "已确认"
    assert page.locator("#checkin-qr svg").count() == 1
    code = page.locator("#checkin-code").inner_text()
    screenshot("registration-qr")
    send_due()  # a rider without e-mail is told by SMS (their choice: both; only the number exists)
    # (or the live server sends it, after its response: then it may still be on its way)
    assert sms_after_the_response(lambda m: m.kind == "confirmed" and m.phone == "+8613855556666")

    page.context.clear_cookies()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/{event.slug}/checkin/")
    page.fill("input[name=code]", code)
    page.locator("#checkin-form button[type=submit]").click()
    assert page.locator(".checkin-result").get_attribute("data-outcome") == "checked_in"
    screenshot("checkin-done")
    page.fill("input[name=code]", code)
    page.locator("#checkin-form button[type=submit]").click()
    assert page.locator(".checkin-result").get_attribute("data-outcome") == "already"
    assert Registration.objects.get().checked_in_at is not None
