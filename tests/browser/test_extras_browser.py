"""Issue 30 in a real browser, at 390x844 zh-hans and 1280x800 en, audited (axe-core, width, text size):
a rider buys an early-bird entry with a coupon and a jersey in a size, pays on the development gateway,
then withdraws and is refunded by the event's policy (half, after the full-refund date); the organizer's
page of prices, coupons, add-ons and documents; the event's share image."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import EntryItem, Registration
from events.services import addon_create, coupon_create, tier_add
from payments.models import EventPayment, Order, Refund
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, log_in, taihang_race
from tests.factories import UserFactory
from tests.helpers import make_gpx

pytestmark = pytest.mark.browser


def _race():
    from routes.services import route_import

    version = route_import(owner=UserFactory(), data=make_gpx(points=300, climb_m=600), filename="taihang.gpx",
                           name="太行线", publish=True)
    organizer, event = taihang_race(starts_in=datetime.timedelta(days=20), closes_in=datetime.timedelta(days=10),
                                    categories=[{"name": "100公里", "name_en": "100 km", "capacity": 50,
                                                 "fee_cny": Decimal("150"), "route_version": version}],
                                    meeting_point="邢台市信都区 七里河体育公园")
    category = event.categories.get()
    now = timezone.now()
    tier_add(event=event, category=category, name="常规价", name_en="Regular",
             starts_at=now + datetime.timedelta(days=3), fee_fen=20000)
    coupon_create(event=event, code="EARLY20", kind="percent", value=20, uses_allowed=100)
    jersey = addon_create(event=event, name="骑行服", name_en="Jersey", price_fen=12000,
                          variants=[("S", 10), ("M", 3), ("L", 20)], change_until=now + datetime.timedelta(days=7))
    EventPayment.objects.create(event=event, refund_full_until=now - datetime.timedelta(hours=1),
                                refund_part_until=now + datetime.timedelta(days=5), refund_part_percent=50)
    return organizer, event, jersey


def test_an_early_bird_entry_with_a_coupon_and_a_jersey_then_withdrawn_and_refunded(live_server, transactional_db,
                                                                                      person):
    page, tag = person
    base, audit = live_server.url, Audit()
    organizer, event, jersey = _race()
    rider = UserFactory(real_name="李明")
    log_in(page, base, rider.username)
    page.goto(f"{base}/events/taihang-race/")
    fee = page.locator(f"#fee-{event.categories.get().pk}")
    expect(fee).to_contain_text("¥150")
    expect(fee.locator(".next-fee")).to_contain_text("¥200")
    expect(fee.locator(".next-fee")).to_contain_text("常规价" if tag == "zh" else "Regular")
    audit.check(page, f"{tag} event page with extras")
    page.locator("#registration-form").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"extras-sign-up-{tag}.png"))
    page.fill("#id_coupon", "early20")
    medium = jersey.variants.get(label="M")
    page.select_option(f"#id_addon_{jersey.pk}", str(medium.pk))
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url("**/events/registrations/*/")
    lines = page.locator("#entry-lines")
    expect(lines).to_contain_text("EARLY20")
    expect(lines.locator(".line-discount .amount")).to_have_text("−¥30")
    expect(page.locator("#entry-total")).to_have_text("¥240")  # 150 - 20% + 120
    audit.check(page, f"{tag} registration with extras")
    page.screenshot(path=str(SCREENSHOTS / f"extras-entry-{tag}.png"))
    # a size too small: changed to L before paying
    page.select_option(f"#size-{EntryItem.objects.get(registration__rider=rider).pk}",
                       str(jersey.variants.get(label="L").pk))
    page.locator("form.size-change button").click()
    expect(page.locator(".message.success")).to_contain_text("L")
    page.locator("#pay-link").click()
    expect(page.locator("#order-amount")).to_have_text("¥240")
    expect(page.locator("#order-lines")).to_contain_text("骑行服" if tag == "zh" else "Jersey")
    page.locator("#pay-dev").click()
    page.locator("#dev-pay-succeed").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#registration-status")).to_have_text("已确认" if tag == "zh" else "Confirmed")
    page.screenshot(path=str(SCREENSHOTS / f"extras-paid-{tag}.png"))
    # withdraws: after the full-refund date, before the partial one: half of everything paid comes back
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[data-confirm] button.danger").click()
    expect(page.locator("#registration-status")).to_have_text("已取消" if tag == "zh" else "Cancelled")
    seat = Registration.objects.get(rider=rider)
    order = Order.objects.get(registration=seat)
    assert order.amount_fen == 24000 and Refund.objects.get(order=order).amount_fen == 12000
    page.goto(f"{base}/payments/orders/{order.pk}/receipt/")
    expect(page.locator("#order-lines")).to_contain_text("EARLY20")
    expect(page.locator("#receipt-refunds")).to_contain_text("¥120")
    audit.check(page, f"{tag} receipt with lines")
    page.screenshot(path=str(SCREENSHOTS / f"extras-receipt-{tag}.png"))
    # the jersey went back to stock; the organizer's page counts it so
    page.context.clear_cookies()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/taihang-race/extras/")
    expect(page.locator(f"tr[data-variant='{jersey.variants.get(label='L').pk}'] .left")).to_have_text("20")
    audit.check(page, f"{tag} organizer's extras page")
    page.screenshot(path=str(SCREENSHOTS / f"extras-organizer-{tag}.png"))
    image = page.request.get(f"{base}/events/taihang-race/share.png")  # as WeChat's crawler fetches it
    assert image.ok and image.headers["content-type"] == "image/png"
    (SCREENSHOTS / f"extras-share-image-{tag}.png").write_bytes(image.body())
    assert audit.problems == [], audit.report()
