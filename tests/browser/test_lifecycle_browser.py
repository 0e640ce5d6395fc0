"""Issue 22 in the browser (390x844 zh-hans, 1280x800 en): a family seat names its rider and what
is to pay, a team member sees the fee and the payment window before confirming, the organizer's
scanner refuses a transferred seat's old code, the account deletion page says what happens to the
rider's entries first. Screenshots under var/screenshots/."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_seats_name_their_rider_the_fee_and_the_old_code_is_refused(live_server, transactional_db, make_event,
                                                                     organizer, person):
    from accounts.services import companion_create
    from events.services import (
        checkin_code,
        registration_create,
        registration_transfer,
        registrations_create_family,
        registrations_create_group,
        transfer_accept,
    )
    from payments.models import EventPayment

    page, tag = person
    event = make_event(title="太行山家庭骑", title_en="Taihang family ride", categories=[
        {"name": "亲子组", "name_en": "Family", "capacity": 6, "fee_cny": Decimal("120")}],
        transfer_deadline=timezone.now() + datetime.timedelta(days=3))
    EventPayment.objects.create(event=event, refund_full_until=timezone.now() + datetime.timedelta(days=9))
    category = event.categories.get()
    parent = UserFactory(date_of_birth=datetime.date(1985, 1, 1))
    child = companion_create(guardian=parent, real_name="王小宝", gender="male",
                             date_of_birth=datetime.date(2014, 5, 1))
    seats = registrations_create_family(category=category, adult=parent, members=[(child, {})],
                                        guardian_consent=True)
    child_seat = next(s for s in seats if s.rider_id == child.pk)
    base = live_server.url
    log_in(page, base, parent.username)
    page.goto(f"{base}/events/mine/")
    expect(page.locator(".seat-rider")).to_contain_text("王小宝")
    page.goto(f"{base}/events/registrations/{child_seat.pk}/")
    expect(page.locator("#registration-rider")).to_have_text("王小宝")
    expect(page.locator("#awaiting-payment")).to_contain_text("王小宝")
    expect(page.locator("#awaiting-payment")).to_contain_text("¥120")
    expect(page.locator("#cancel-companion")).to_contain_text("王小宝")
    page.screenshot(path=str(SCREENSHOTS / f"lifecycle-family-seat-{tag}.png"), full_page=True)
    page.locator("#pay-link-2").click()  # one payment for both seats
    expect(page.locator("#pay-together")).to_contain_text("¥240")
    page.screenshot(path=str(SCREENSHOTS / f"lifecycle-pay-together-{tag}.png"), full_page=True)
    page.locator("#pay-together").click()
    page.locator("#pay-dev").click()
    page.locator("#dev-pay-succeed").click()
    page.wait_for_url("**/events/mine/")
    expect(page.locator(".seat-rider")).to_contain_text("王小宝")
    from events.models import Registration

    assert set(Registration.objects.filter(pk__in=[s.pk for s in seats]).values_list("status", flat=True)) == {
        "confirmed"}

    member = UserFactory()
    held = registrations_create_group(category=category, riders=[member])[0]
    page.context.clear_cookies()
    log_in(page, base, member.username)
    page.goto(f"{base}/events/registrations/{held.pk}/")
    expect(page.locator("#hold-fee")).to_contain_text("¥120")
    expect(page.locator("#hold-fee")).to_contain_text("30")
    page.screenshot(path=str(SCREENSHOTS / f"lifecycle-team-fee-{tag}.png"), full_page=True)

    sender, recipient = UserFactory(), UserFactory()
    seat = registration_create(event=event, category=category, rider=sender)[0]
    from payments.models import Order
    from payments.services import dev_pay

    dev_pay(order=Order.objects.get(registration=seat))
    seat.refresh_from_db()
    old_code = checkin_code(seat)
    transfer_accept(offer=registration_transfer(registration=seat, to_rider=recipient), rider=recipient)
    page.context.clear_cookies()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/{event.slug}/checkin/")
    page.fill("#checkin-form input[name=code]", old_code)
    page.locator("#checkin-form button").click()
    expect(page.locator(".checkin-result")).to_have_attribute("data-outcome", "invalid")
    page.screenshot(path=str(SCREENSHOTS / f"lifecycle-old-code-{tag}.png"), full_page=True)
    page.goto(f"{base}/events/{event.slug}/manage/")
    page.locator(f"a.history-link[href$='/registrations/{seat.pk}/history/']").click()
    expect(page.locator("#history tbody tr")).to_have_count(6)  # the seat, the offer and the order: 2 moves each
    page.screenshot(path=str(SCREENSHOTS / f"lifecycle-history-{tag}.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, recipient.username)
    page.goto(f"{base}/me/delete/")
    expect(page.locator("#delete-consequences")).to_be_visible()
    expect(page.locator("#delete-consequences")).to_contain_text("¥120")
    page.screenshot(path=str(SCREENSHOTS / f"lifecycle-delete-preview-{tag}.png"), full_page=True)
