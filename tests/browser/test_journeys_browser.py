"""Journeys as people take them (issue 11), at 390x844 zh-hans and 1280x800 English: each step
asserts what a person sees and saves a screenshot under var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, SIZES, csp_watch, log_in
from tests.factories import UserFactory
from tests.helpers import race_started

pytestmark = pytest.mark.browser

BAD_ID = "110105194912310021"


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] > -1 and box["y"] + 20 < height  # its top line is on screen


def test_a_failed_registration_shows_the_error_in_view_and_keeps_the_id(live_server, transactional_db, make_event,
                                                                         person):
    page, tag = person
    event = make_event(title="七里河骑行", questions=[
        {"key": "idno", "label": "身份证号", "label_en": "National ID", "kind": "national_id", "required": True},
        {"key": "size", "label": "骑行服尺码", "label_en": "Jersey size", "kind": "choice", "required": True,
         "choices": ["S", "M", "L"]}], waiver_text="本人自愿参加，风险自担。")
    rider = UserFactory()
    base = live_server.url
    log_in(page, base, rider.username, by_form=True)  # the password form, typed (the other journeys post it)
    page.goto(f"{base}/events/{event.slug}/")
    page.fill("input[name=q_idno]", BAD_ID)  # the browser lets it through; the check digit is wrong
    page.select_option("select[name=q_size]", "M")
    page.locator("input[name=accept_waiver]").check()
    page.locator("form.stacked button[type=submit]").last.click()
    page.wait_for_load_state()
    expect(page.locator("#error-summary")).to_be_visible()
    assert _in_viewport(page, "#error-summary"), (page.locator("#error-summary").bounding_box(),
                                                  page.evaluate("window.scrollY"))
    expect(page.locator("#error-summary a")).to_have_text("身份证号" if tag == "zh" else "National ID")
    expect(page.locator("input[name=q_idno]")).to_have_value(BAD_ID)  # kept: correct one digit, not retype
    expect(page.locator("select[name=q_size]")).to_have_value("M")
    page.screenshot(path=str(SCREENSHOTS / f"journey-registration-error-{tag}.png"))
    page.locator("#error-summary a").click()
    expect(page.locator("input[name=q_idno]")).to_be_in_viewport()


def test_visitor_finds_an_event_from_home_and_sees_how_to_sign_up(live_server, transactional_db, make_event,
                                                                  person):
    from decimal import Decimal

    page, tag = person
    event = make_event(title="七里河夜骑", title_en="Qilihe night ride", contact="微信 xtcycling",
                       categories=[{"name": "30公里", "name_en": "30 km", "capacity": 10, "fee_cny": Decimal("80")}])
    base = live_server.url
    page.goto(f"{base}/")
    card = page.locator(".event-cards .card").first
    expect(card).to_contain_text("¥80 起" if tag == "zh" else "from ¥80")
    page.screenshot(path=str(SCREENSHOTS / f"journey-home-{tag}.png"), full_page=True)
    card.locator("a").click()
    page.wait_for_url("**/events/**")
    expect(page.locator("#organizer")).to_contain_text("xtcycling")
    assert _in_viewport(page, "#jump-register"), "the sign-up button is below the fold"
    page.screenshot(path=str(SCREENSHOTS / f"journey-event-{tag}.png"))
    page.locator("#jump-register").click()
    expect(page.locator("#register")).to_be_in_viewport()
    assert event.slug in page.url


@pytest.mark.parametrize(("viewport", "locale", "tag"), SIZES)
def test_places_without_typing_coordinates(live_server, transactional_db, browser, organizer, viewport, locale,
                                           tag):
    from routes.services import route_import
    from tests.helpers import make_gpx

    route_import(owner=organizer, data=make_gpx(), filename="near.gpx", name="附近的绿道", name_en="Nearby greenway",
                 publish=True)
    context = browser.new_context(viewport=viewport, locale=locale, permissions=["geolocation"],
                                  geolocation={"latitude": 37.0612, "longitude": 114.4921})
    page = context.new_page()
    violations = csp_watch(page)
    base = live_server.url
    page.goto(f"{base}/routes/")
    page.locator("details.filters summary").click() if page.locator("details.filters").count() else None
    page.locator("button[data-locate='near']").click()
    expect(page.locator("#near")).to_have_value("37.06120,114.49210")
    page.locator("form.filter-form button[type=submit]").click()  # search near where I am
    expect(page.locator("main")).to_contain_text("附近的绿道" if tag == "zh" else "Nearby greenway")
    page.screenshot(path=str(SCREENSHOTS / f"journey-routes-near-{tag}.png"))
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/new/")
    page.locator("#meeting-picker button[data-locate]").click()
    expect(page.locator("#id_meeting_lat")).to_have_value("37.06120")
    expect(page.locator("#id_meeting_lon")).to_have_value("114.49210")
    picker = page.locator("#meeting-picker [data-pick][data-ready='1']")
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 4, box["y"] + box["height"] / 2)  # a tap west of the marker
    expect(page.locator("#id_meeting_lon")).not_to_have_value("114.49210")
    assert float(page.locator("#id_meeting_lon").input_value()) < 114.4921
    page.screenshot(path=str(SCREENSHOTS / f"journey-meeting-picker-{tag}.png"))
    context.close()
    assert violations == [], violations


def test_route_profile_is_readable_and_points_at_the_map(live_server, transactional_db, organizer, person):
    from routes.services import route_import
    from tests.helpers import make_gpx

    page, tag = person
    version = route_import(owner=organizer, data=make_gpx(points=400, climb_m=300), filename="climb.gpx",
                           publish=True, name="太行爬坡")
    page.goto(f"{live_server.url}/routes/{version.route.slug}/")
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)
    svg = page.locator("#profile svg:visible")
    expect(svg).to_have_count(1)
    label = svg.locator("text").first
    size = label.evaluate("t => t.getBoundingClientRect().height")
    assert size >= 9, f"profile labels are {size:.1f} px high"
    markers = page.locator("#route-map .leaflet-overlay-pane path")
    before = markers.count()  # the line, start and finish
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    expect(page.locator("#profile-readout")).to_have_attribute("data-km", re.compile(r"\d"))
    readout = page.locator("#profile-readout").inner_text()
    assert ("公里" if tag == "zh" else "km") in readout
    expect(markers).to_have_count(before + 1)  # the marker of the place read on the profile
    page.screenshot(path=str(SCREENSHOTS / f"journey-profile-{tag}.png"), full_page=True)


def test_analyst_sees_dashboard_event_statistics_charts_and_the_linkage_report(live_server, demo, browser):
    from django.contrib.auth.models import Group

    from accounts.models import User
    from events.models import Event
    from tests.factories import PASSWORD

    analyst = User.objects.get(username="demo-organizer")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    analyst.set_password(PASSWORD)
    analyst.save()
    event = Event.objects.filter(status="completed").first()
    for viewport, locale, tag in SIZES:
        context = browser.new_context(viewport=viewport, locale=locale)
        page = context.new_page()
        violations = csp_watch(page)
        base = live_server.url
        log_in(page, base, analyst.username)
        page.goto(f"{base}/insights/dashboard/")
        expect(page.locator("svg.chart").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"journey-dashboard-{tag}.png"), full_page=True)
        page.goto(f"{base}/insights/events/{event.slug}/")
        expect(page.locator(".chart-wrap svg").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"journey-event-stats-{tag}.png"), full_page=True)
        page.goto(f"{base}/insights/linkage/")
        expect(page.locator("select[name=events] option[selected]")).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / f"journey-linkage-{tag}.png"), full_page=True)
        context.close()
        assert violations == [], violations


def _fill_new_event(page, *, title: str, category: str, capacity: int, days_ahead: int) -> None:
    """The event form's required fields, typed as an organizer would (dates in the browser's inputs)."""
    import datetime

    from django.utils import timezone

    start = timezone.localtime() + datetime.timedelta(days=days_ahead)
    page.fill("input[name=title]", title)
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT08:00"))
    page.fill("input[name=ends_at]", start.strftime("%Y-%m-%dT12:00"))
    page.fill("input[name=registration_opens_at]", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=registration_closes_at]", (start - datetime.timedelta(days=2)).strftime("%Y-%m-%dT20:00"))
    page.fill("input[name=cat-0-name]", category)
    page.fill("input[name=cat-0-capacity]", str(capacity))


def _no_raw_keys(page, tag: str, names: set[str]) -> None:
    """On Chinese pages every word people read is a translated label (tests/test_raw_keys.py)."""
    if tag != "zh":
        return
    from tests.test_raw_keys import raw_words

    text = page.evaluate("""() => { const main = document.querySelector("main").cloneNode(true);
        main.querySelectorAll("code, pre, svg, script, option, textarea").forEach(e => e.remove());
        return main.innerText; }""")  # what a person reads: not codes, drawings or form values
    text = re.sub(r"\S+@\S+", " ", text)  # an e-mail address the rider typed
    words = raw_words(text, names | {tag})
    assert words == [], f"{page.url}: {words}"


def test_new_rider_signs_up_registers_and_cancels(live_server, transactional_db, make_event, person, settings):
    from core import sms

    settings.SMS_BACKEND = "console"  # as in development: the code is printed (and kept, for this test)
    page, tag = person
    event = make_event(title="七里河骑行", title_en="Qilihe ride", waiver_text="本人自愿参加，风险自担。",
                       questions=[{"key": "size", "label": "骑行服尺码", "label_en": "Jersey size", "kind": "choice",
                                   "required": True, "choices": ["S", "M", "L"]}])
    full = make_event(title="满员骑行", title_en="Full ride", capacity=1,
                      categories=[{"name": "短途", "name_en": "Short", "capacity": 1, "waitlist_enabled": True}])
    from events.services import registration_create

    registration_create(event=full, category=full.categories.get(), rider=UserFactory())
    base = live_server.url
    username = f"rider{tag}"
    phone = "1391234000" + ("1" if tag == "zh" else "2")
    page.goto(f"{base}/accounts/signup/?next=/events/{event.slug}/")
    expect(page.locator("input[name=phone]")).to_have_attribute("type", "tel")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", "Qilihe-river-2026")
    page.fill("input[name=password2]", "Qilihe-river-2026")
    page.screenshot(path=str(SCREENSHOTS / f"journey-signup-phone-{tag}.png"), full_page=True)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/phone/verify/")
    expect(page.locator("input[name=code]")).to_have_attribute("inputmode", "numeric")  # the number pad
    page.screenshot(path=str(SCREENSHOTS / f"journey-signup-code-{tag}.png"), full_page=True)
    code = [m for m in sms.sent if m.phone == "+86" + phone][-1].params["code"]  # what the console prints
    page.fill("input[name=code]", code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/events/**")  # back on the event, signed in
    _no_raw_keys(page, tag, {username})
    page.context.clear_cookies()  # and back later: sign in with the number and a code by SMS
    page.goto(f"{base}/accounts/login/code/")
    page.fill("input[name=phone]", phone)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    page.fill("input[name=code]", [m for m in sms.sent if m.phone == "+86" + phone][-1].params["code"])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/me/")

    page.goto(f"{base}/me/")
    assert page.locator("input[name=mobile]").get_attribute("type") == "tel"
    page.fill("input[name=mobile]", "13912345678")
    page.locator("main form.stacked button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"journey-profile-saved-{tag}.png"))

    page.goto(f"{base}/events/{event.slug}/")
    page.select_option("select[name=q_size]", "M")
    page.check("input[name=accept_waiver]")
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#checkin-qr svg")).to_have_count(1)
    _no_raw_keys(page, tag, {username})
    page.screenshot(path=str(SCREENSHOTS / f"journey-registered-{tag}.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[data-confirm] button.danger").click()
    page.wait_for_load_state()
    expect(page.locator("#add-to-calendar")).to_have_count(0)  # cancelled: nothing to put in a calendar

    page.goto(f"{base}/events/{full.slug}/")
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#waitlist-position")).to_contain_text("1")
    page.screenshot(path=str(SCREENSHOTS / f"journey-waitlist-{tag}.png"))


def test_organizer_creates_publishes_checks_in_and_posts_results(live_server, transactional_db, organizer,
                                                                  person, tmp_path):


    from events.models import Event
    from events.services import registration_create
    from tests.helpers import make_gpx

    page, tag = person
    base = live_server.url
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/new/")
    _fill_new_event(page, title=f"邢台春季骑行{tag}", category="60公里", capacity=100, days_ahead=20)
    page.locator("main form.stacked button[type=submit]").last.click()  # zero questions: blank slots ignored
    page.wait_for_url("**/manage/")
    event = Event.objects.get(title=f"邢台春季骑行{tag}")
    page.locator("#add-question summary").click()
    page.fill("input[name=add-q-label]", "紧急联系人电话")
    page.locator("#add-question button").click()
    expect(page.locator("#questions")).to_contain_text("紧急联系人电话")
    page.locator("form[action$='/action/publish/'] button").click()
    expect(page.locator(".messages")).to_be_visible()
    _no_raw_keys(page, tag, {organizer.username})
    page.screenshot(path=str(SCREENSHOTS / f"journey-organizer-manage-{tag}.png"), full_page=True)

    rider = UserFactory(real_name="赵六", mobile="+8613911112222")
    event.refresh_from_db()
    registration = registration_create(event=event, category=event.categories.get(), rider=rider,
                                       answers={"q1": "13800000000"})[0]
    page.reload()
    expect(page.locator("main")).to_contain_text("赵六")
    csv = page.request.get(f"{base}/events/{event.slug}/export/roster.csv")
    assert csv.ok and "赵六" in csv.text()
    page.goto(f"{base}/events/{event.slug}/checkin/?find=2222")
    page.locator("#checkin-found button").click()
    expect(page.locator(".checkin-result")).to_have_attribute("data-outcome", "checked_in")
    page.screenshot(path=str(SCREENSHOTS / f"journey-checkin-{tag}.png"))

    race_started(event, checked_in=False)  # the race began; the rider checked in at the page above
    results = tmp_path / "results.csv"
    results.write_text(f"bib,time\n{registration.bib},2:05:00\n")
    page.goto(f"{base}/events/{event.slug}/manage/")
    page.set_input_files("input[name=file]", str(results))
    page.locator("form[action$='/results/upload/'] button").click()
    page.goto(f"{base}/events/{event.slug}/")
    page.locator("#results-link").click()
    expect(page.locator("main")).to_contain_text("2:05:00")
    page.screenshot(path=str(SCREENSHOTS / f"journey-results-{tag}.png"))

    gpx = tmp_path / "ride.gpx"
    gpx.write_bytes(make_gpx())
    page.goto(f"{base}/routes/new/")
    page.fill("input[name=name]", f"七里河绿道{tag}")
    page.set_input_files("input[name=gpx]", str(gpx))
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#route-map[data-drawn='1']")).to_have_count(1)
    _no_raw_keys(page, tag, {organizer.username})


def test_organizer_creates_an_event_with_two_questions(live_server, transactional_db, organizer, person):


    from events.models import Event

    page, tag = person
    base = live_server.url
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/new/")
    _fill_new_event(page, title=f"太行山挑战赛{tag}", category="100公里", capacity=300, days_ahead=25)
    page.fill("input[name=q-0-label]", "骑行服尺码")
    page.select_option("select[name=q-0-kind]", "choice")
    page.fill("input[name=q-0-choices]", "S, M, L, XL")
    page.check("input[name=q-0-required]")
    page.fill("input[name=q-1-label]", "身份证号")
    page.select_option("select[name=q-1-kind]", "national_id")
    page.locator("main form.stacked button[type=submit]").last.click()
    page.wait_for_url("**/manage/")
    event = Event.objects.get(title=f"太行山挑战赛{tag}")
    assert [q.kind for q in event.questions.all()] == ["choice", "national_id"]
    expect(page.locator("#questions li")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / f"journey-two-questions-{tag}.png"), full_page=True)


def test_rider_pays_for_a_paid_race_on_the_development_gateway(live_server, transactional_db, make_event, person):
    from decimal import Decimal

    page, tag = person
    event = make_event(title="太行山挑战赛", title_en="Taihang challenge",
                       categories=[{"name": "100公里", "name_en": "100 km", "capacity": 5, "fee_cny": Decimal("120")}])
    rider = UserFactory()
    base = live_server.url
    log_in(page, base, rider.username)
    page.goto(f"{base}/events/{event.slug}/")
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#awaiting-payment")).to_be_visible()
    expect(page.locator("#checkin-qr")).to_have_count(0)  # not before paying
    expect(page.locator("main")).not_to_contain_text("更换组别" if tag == "zh" else "Change category")
    page.screenshot(path=str(SCREENSHOTS / f"journey-pay-held-{tag}.png"))
    page.locator("#pay-link").click()
    expect(page.locator("#order-amount")).to_have_text("¥120")
    page.screenshot(path=str(SCREENSHOTS / f"journey-pay-methods-{tag}.png"))
    page.locator("#pay-dev").click()
    expect(page.locator("#order-amount")).to_have_text("¥120")
    page.locator("#dev-pay-succeed").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#checkin-qr svg")).to_have_count(1)
    expect(page.locator("#registration-status")).to_have_text("已确认" if tag == "zh" else "Confirmed")
    page.screenshot(path=str(SCREENSHOTS / f"journey-paid-{tag}.png"))


def test_a_lapsed_hold_becomes_an_offer_and_the_organizer_refunds_a_rider(live_server, transactional_db, make_event,
                                                                           organizer, person):
    """The second rider's hold expires: the waitlisted rider sees the offer with its deadline and
    pays; then the organizer refunds the first rider from the payments page."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from events.services import registration_create
    from payments.models import Order
    from payments.services import dev_pay, orders_expire

    page, tag = person
    event = make_event(title="太行山挑战赛", title_en="Taihang challenge", categories=[
        {"name": "100公里", "name_en": "100 km", "capacity": 2, "fee_cny": Decimal("120"), "waitlist_enabled": True}])
    category = event.categories.get()
    payer, lapsing, waiting = UserFactory(), UserFactory(), UserFactory()
    paid = registration_create(event=event, category=category, rider=payer)[0]
    dev_pay(order=Order.objects.get(registration=paid))
    registration_create(event=event, category=category, rider=lapsing)
    offered = registration_create(event=event, category=category, rider=waiting)[0]
    base = live_server.url
    log_in(page, base, waiting.username)
    page.goto(f"{base}/events/registrations/{offered.pk}/")
    expect(page.locator("#waitlist-position")).to_be_visible()
    Order.objects.filter(status="pending").update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert orders_expire() == 1
    page.reload()
    expect(page.locator("#awaiting-payment")).to_be_visible()  # the offer, with its deadline
    deadline = timezone.localtime(Order.objects.get(registration=offered, status="pending").expires_at)
    expect(page.locator("#awaiting-payment")).to_contain_text(deadline.strftime("%Y-%m-%d %H:%M"))
    page.screenshot(path=str(SCREENSHOTS / f"journey-offer-{tag}.png"), full_page=True)
    page.locator("#pay-link").click()
    page.locator("#pay-dev").click()
    page.locator("#dev-pay-succeed").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#checkin-qr svg")).to_have_count(1)

    page.context.clear_cookies()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/{event.slug}/manage/")
    expect(page.locator("#money-received")).to_have_text("¥240")
    page.get_by_role("link", name="收款与退款" if tag == "zh" else "Payments and refunds").click()
    card = page.locator("#paid-orders li", has_text=payer.real_name)  # organizers see the real name
    card.locator("summary").click()
    page.once("dialog", lambda dialog: dialog.accept())
    card.locator("button.danger").click()
    expect(page.locator(".messages, .message").first).to_contain_text("¥120.00")
    expect(page.locator(".messages, .message").first).to_contain_text("已退款" if tag == "zh" else "Refunded")
    expect(page.locator("#total-refunded")).to_have_text("¥120")
    page.screenshot(path=str(SCREENSHOTS / f"journey-organizer-refund-{tag}.png"), full_page=True)
    paid.refresh_from_db()
    assert paid.status == "cancelled" and Order.objects.get(registration=paid).status == "refunded"


def test_rider_pays_with_wechat_by_scanning_the_qr_code(live_server, transactional_db, make_event, person, tmp_path,
                                                        settings):
    """WeChat Pay Native against the fake gateway: the QR code shows, the page polls, and once
    the (fake) phone has paid, the rider lands on their confirmed registration."""
    from decimal import Decimal

    from payments.models import Order
    from tests.payments.fakegateway import FakeGateway

    gateway = FakeGateway(tmp_path)
    settings.WECHATPAY, settings.ALIPAY = gateway.settings()
    settings.PAYMENTS_DEV_GATEWAY = False
    try:
        page, tag = person
        event = make_event(title="七里河绿道骑行", title_en="Qilihe greenway ride",
                           categories=[{"name": "30公里", "name_en": "30 km", "capacity": 5, "fee_cny": Decimal("50")}])
        rider = UserFactory()
        base = live_server.url
        log_in(page, base, rider.username)
        page.goto(f"{base}/events/{event.slug}/")
        page.locator("#registration-form button[type=submit]").click()
        page.wait_for_url("**/events/registrations/*/")
        page.locator("#pay-link").click()
        expect(page.locator("#pay-wechat")).to_have_text("微信支付" if tag == "zh" else "WeChat Pay")
        expect(page.locator("#pay-alipay")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"journey-pay-choose-{tag}.png"), full_page=True)
        if tag == "zh":  # a phone browser goes to WeChat's own page (H5): tests/payments/test_providers.py
            return
        page.clock.install()  # the page's timers on a clock of the test's: its 3 s polls without the wait
        page.locator("#pay-wechat").click()
        expect(page.locator("#pay-qr svg")).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / f"journey-wechat-qr-{tag}.png"), full_page=True)
        page.clock.run_for(3000)  # a poll before the payment: still pending, the QR code stays
        expect(page.locator("#pay-qr svg")).to_have_count(1)
        gateway.pay(Order.objects.get(rider=rider).trade_no)  # the rider scans and pays on the phone
        page.clock.run_for(3000)  # the next poll finds it paid
        page.wait_for_url("**/events/registrations/*/", timeout=15000)
        expect(page.locator("#checkin-qr svg")).to_have_count(1)
        expect(page.locator("#receipts a")).to_have_count(1)
    finally:
        gateway.close()


def test_a_ballot_from_entry_to_draw(live_server, transactional_db, make_event, organizer, person):
    """A rider enters a ballot (no seat yet, the commitment on the page), the organizer draws after
    the window, the rider sees whether they were selected."""
    import datetime

    from django.utils import timezone

    from events.models import Ballot, Event
    from events.services import registration_create

    page, tag = person
    event = make_event(title="千人骑行抽签赛", title_en="Thousand riders ballot", categories=[
        {"name": "抽签组", "name_en": "Ballot", "capacity": 2, "mode": "ballot", "waitlist_enabled": True}])
    category = event.categories.get()
    for _ in range(4):
        registration_create(event=event, category=category, rider=UserFactory())
    rider = UserFactory()
    base = live_server.url
    log_in(page, base, rider.username)
    page.goto(f"{base}/events/{event.slug}/")
    commitment = Ballot.objects.get(category=category).commitment
    expect(page.locator(f"#ballot-{category.pk} .commitment")).to_have_text(commitment)
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#registration-status")).to_have_text("已参加抽签" if tag == "zh" else "Entered in the ballot")
    page.screenshot(path=str(SCREENSHOTS / f"journey-ballot-entered-{tag}.png"), full_page=True)
    registration_url = page.url

    Event.objects.filter(pk=event.pk).update(registration_closes_at=timezone.now() - datetime.timedelta(minutes=1))
    page.context.clear_cookies()
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/{event.slug}/categories/{category.pk}/")
    expect(page.locator("#ballot-commitment")).to_have_text(commitment)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#ballot-draw").click()
    expect(page.locator("#ballot-drawn")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"journey-ballot-drawn-{tag}.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, rider.username)
    page.goto(registration_url)
    status = page.locator("#registration-status").inner_text()
    selected = "已确认" if tag == "zh" else "Confirmed"
    assert status.startswith(selected) or page.locator("#waitlist-position").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"journey-ballot-result-{tag}.png"), full_page=True)


def test_a_transfer_is_an_offer_the_recipient_accepts(live_server, transactional_db, make_event, person):
    import datetime

    from django.utils import timezone

    from events.models import Registration
    from events.services import registration_create

    page, tag = person
    event = make_event(title="七里河转让测试", title_en="Transfer ride",
                       transfer_deadline=timezone.now() + datetime.timedelta(days=3),
                       questions=[{"key": "size", "label": "骑行服尺码", "label_en": "Jersey size", "kind": "choice",
                                   "required": True, "choices": ["S", "M", "L"]}])
    owner, friend = UserFactory(), UserFactory()
    registration = registration_create(event=event, category=event.categories.get(), rider=owner,
                                       answers={"size": "L"})[0]
    base = live_server.url
    log_in(page, base, owner.username)
    page.goto(f"{base}/events/registrations/{registration.pk}/")
    page.fill("input[name=username]", friend.username)
    page.locator("form:has(input[value=transfer]) button").click()
    expect(page.locator("#pending-transfer")).to_be_visible()
    assert Registration.objects.get(pk=registration.pk).rider == owner  # an offer moves nothing
    page.screenshot(path=str(SCREENSHOTS / f"journey-transfer-offered-{tag}.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, base, friend.username)
    page.goto(f"{base}/events/{event.slug}/")
    expect(page.locator("#transfer-offer")).to_be_visible()
    page.select_option("select[name=q_size]", "M")
    page.screenshot(path=str(SCREENSHOTS / f"journey-transfer-offer-{tag}.png"), full_page=True)
    page.locator("#accept-transfer").click()
    page.wait_for_url("**/events/registrations/*/")
    expect(page.locator("#checkin-qr svg")).to_have_count(1)
    registration.refresh_from_db()
    assert registration.rider == friend and registration.answers == {"size": "M"}


def test_a_parent_registers_a_child_on_the_family_page(live_server, transactional_db, make_event, person):
    import datetime

    from events.models import Registration

    page, tag = person
    event = make_event(title="亲子骑行", title_en="Family ride", waiver_text="自愿参加。",
                       categories=[{"name": "亲子组", "name_en": "Family", "capacity": 5}])
    parent = UserFactory(date_of_birth=datetime.date(1986, 1, 1))
    base = live_server.url
    log_in(page, base, parent.username)
    page.goto(f"{base}/events/{event.slug}/")
    page.locator("#family-link").click()
    page.fill("input[name=c0-real_name]", "王小宝")
    page.select_option("select[name=c0-gender]", "male")
    page.fill("input[name=c0-date_of_birth]", "2016-05-01")
    page.check("input[name=accept_waiver]")
    page.check("input[name=guardian_consent]")
    page.screenshot(path=str(SCREENSHOTS / f"journey-family-{tag}.png"), full_page=True)
    page.locator("#family-submit").click()
    page.wait_for_url("**/events/registrations/*/")
    assert Registration.objects.filter(event=event, status="confirmed").count() == 2


def test_account_pages_data_delete_and_new_password(live_server, transactional_db, person, settings):
    """The PIPL pages a rider reaches from /me/: a refused deletion shows its error in view."""
    from core import sms

    settings.SMS_BACKEND = "console"
    page, tag = person
    rider = UserFactory(phone=f"+861390000{'1111' if tag == 'zh' else '2222'}", phone_verified=True)
    base = live_server.url
    page.goto(f"{base}/password/forgot/")
    page.fill("input[name=phone]", rider.phone[3:])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    page.fill("input[name=code]", [m for m in sms.sent if m.phone == rider.phone][-1].params["code"])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/me/password/new/")
    page.screenshot(path=str(SCREENSHOTS / f"account-password-new-{tag}.png"), full_page=True)
    page.goto(f"{base}/me/")
    expect(page.locator("#data-download")).to_be_visible()
    page.locator("#account-delete").click()
    page.fill("input[name=username]", "not-me")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#delete-account").click()
    expect(page.locator("#error-summary")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / f"account-delete-refused-{tag}.png"), full_page=True)
