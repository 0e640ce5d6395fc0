"""The check-in app with no signal (issue 28), in Chromium: two phones download the start list, lose
their signal (`context.set_offline`), reopen the app from the service worker, and check riders in:
one by a photo of the rider's QR code (the image fed to the page's decoder), others by name; one
checks in a rider whose entry the organizer cancels meanwhile. Back online, each sends its queue:
every check-in applied once, with the time the phone took it; the cancelled entry's check-in comes
back as a conflict the helper resolves. The same at desktop size in English, where the organizer is
one of the two devices. Both pages audited (axe-core, width, text size)."""

import datetime
import io

import pytest
import segno
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from events.models import CheckinScan, Registration
from events.services import (
    checkin_code,
    event_create,
    event_publish,
    helper_join,
    helper_join_code,
    registration_cancel,
    registration_create,
)
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, SIZES, csp_watch, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def national_id(serial: int) -> str:
    body = f"11010519900101{serial:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


QUEUE = """() => new Promise((resolve) => {
  const opening = indexedDB.open("checkin-taihang-race");
  opening.onsuccess = () => {
    const read = opening.result.transaction("queue").objectStore("queue").getAll();
    read.onsuccess = () => { opening.result.close(); resolve(read.result); };
  };
})"""


def _device(browser, viewport, locale, base, username):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    violations = csp_watch(page)
    log_in(page, base, username)
    page.goto(f"{base}/events/taihang-race/checkin/device/")
    page.wait_for_selector("#device-state[data-ready=yes]")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return context, page, violations


def _check_in_by_name(page, name):
    page.fill("#device-find", name)
    page.locator("#device-found button", has_text=name).click()
    page.locator("#device-rider [data-action=checkin]").click()
    page.wait_for_selector("#device-rider [data-outcome=ok]")


@pytest.mark.parametrize("size", SIZES, ids=["phone-zh", "desktop-en"])
def test_two_phones_check_riders_in_with_no_signal_then_send_what_they_did(live_server, transactional_db,
                                                                           browser, size):
    viewport, locale, tag = size
    base, audit = live_server.url, Audit()
    organizer = UserFactory(username="raceorganizer")
    organizer.groups.add(Group.objects.get_or_create(name="organizers")[0])
    now = timezone.now()
    event = event_create(created_by=organizer, slug="taihang-race", title="太行山挑战赛", title_en="Taihang Challenge",
                         kind="race", starts_at=now + datetime.timedelta(days=1),
                         ends_at=now + datetime.timedelta(days=1, hours=6),
                         registration_opens_at=now - datetime.timedelta(days=3),
                         registration_closes_at=now + datetime.timedelta(hours=12),
                         categories=[{"name": "100公里", "name_en": "100 km", "capacity": 50}],
                         questions=[{"key": "id", "label": "身份证", "label_en": "ID card", "kind": "national_id"}])
    event_publish(event=event)
    names = ["李明", "王芳", "张伟", "陈静"]
    seats = [registration_create(
        event=event, category=event.categories.get(), id_consent=True, fill_profile=True,
                                 rider=UserFactory(username=f"rider{i}", real_name=name, mobile=f"1380013800{i}"),
                                 answers={"id": national_id(i + 10)})[0] for i, name in enumerate(names)]
    li, wang, zhang, chen = seats
    first_device = organizer
    if tag == "zh":  # two volunteers on phones; at desktop size the organizer is one of the devices
        first_device = UserFactory(username="volunteer1", real_name="赵静")
        helper_join(event=event, user=first_device, code=helper_join_code(event=event))
    volunteer = UserFactory(username="volunteer2", real_name="孙丽")
    helper_join(event=event, user=volunteer, code=helper_join_code(event=event))

    a_context, a, a_violations = _device(browser, viewport, locale, base, first_device.username)
    b_context, b, b_violations = _device(browser, viewport, locale, base, volunteer.username)
    assert a.locator("#device-state").get_attribute("data-count") == "4"
    try:
        a_context.set_offline(True)
        b_context.set_offline(True)
        a.reload()  # the app opens with no network: the service worker's page, the list from IndexedDB
        a.wait_for_selector("#device-state[data-ready=yes]")
        assert a.evaluate("navigator.onLine") is False
        assert a.evaluate("navigator.serviceWorker.controller !== null")

        registration_cancel(registration=chen, by_rider=True)  # while the phones have no signal

        qr = io.BytesIO()
        segno.make(f"{base}/events/taihang-race/checkin/?code={checkin_code(li)}").save(qr, kind="png", scale=6)
        a.set_input_files("#scan-photo", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": qr.getvalue()}])
        a.wait_for_selector("#device-rider .device-name")
        assert a.locator("#device-rider .device-name").inner_text() == "李明"
        assert national_id(10)[-4:] in a.locator("#device-rider .device-id").inner_text()  # to compare with the card
        a.locator("#device-rider [data-action=checkin]").click()
        a.wait_for_selector("#device-rider [data-outcome=ok]")
        _check_in_by_name(a, "王芳")
        audit.check(a, f"{tag} check-in app offline")
        a.screenshot(path=str(SCREENSHOTS / f"checkin-device-offline-{tag}.png"))

        for name in ("张伟", "李明", "陈静"):  # 李明 on both phones; 陈静 cancelled meanwhile
            _check_in_by_name(b, name)
        assert b.locator("#device-sync").get_attribute("data-waiting") == "3"
        assert not CheckinScan.objects.exists()  # nothing reached the server while offline
        taken = {(q["registration"], q["device"]): q["at"] for q in a.evaluate(QUEUE) + b.evaluate(QUEUE)}
        assert len(taken) == 5

        a_context.set_offline(False)
        b_context.set_offline(False)
        for page in (a, b):
            page.locator("#device-sync-now").click()
            page.wait_for_selector("#device-sync[data-waiting='0']")
        b.wait_for_selector("#device-conflicts:not([hidden])")
    finally:
        a_context.set_offline(False)
        b_context.set_offline(False)

    scans = list(CheckinScan.objects.order_by("at"))
    assert len(scans) == 5 and len({s.nonce for s in scans}) == 5  # each action once
    assert {(s.registration_id, s.device): s.at for s in scans} == {
        key: parse_datetime(at) for key, at in taken.items()}  # the phones' own times, not the sync's
    assert {s.registration_id for s in scans if s.outcome == "applied"} == {li.pk, wang.pk, zhang.pk}
    refused = [s for s in scans if s.outcome == "refused"]
    assert [(s.registration_id, s.reason) for s in refused] == [(chen.pk, "not_confirmed")]
    seats = {r.pk: r for r in Registration.objects.filter(pk__in=[r.pk for r in seats])}
    assert seats[li.pk].checked_in_at == min(s.at for s in scans if s.registration_id == li.pk)  # first stands
    assert seats[chen.pk].checked_in_at is None and seats[chen.pk].status == "cancelled"

    conflict = b.locator("#device-conflict-list li")
    assert conflict.count() == 1 and conflict.get_attribute("data-reason") == "not_confirmed"
    assert "陈静" in conflict.inner_text()
    audit.check(b, f"{tag} check-in app conflict")
    b.screenshot(path=str(SCREENSHOTS / f"checkin-device-conflict-{tag}.png"))
    conflict.locator("button").click()
    b.wait_for_selector("#device-conflicts", state="hidden")

    a.fill("#device-find", "张伟")  # the other phone's check-in reached this one with the pull
    assert a.locator("#device-found li").get_attribute("data-registration") == str(zhang.pk)
    assert a.locator("#device-found li .muted").inner_text().count(":") >= 2  # "checked in at HH:MM:SS"

    a_context.close()
    b_context.close()
    assert a_violations == b_violations == [], a_violations + b_violations
    assert audit.problems == [], audit.report()
