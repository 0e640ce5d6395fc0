"""The check-in app with no signal (issue 28), in Chromium: two phones download the start list, lose
their signal (`context.set_offline`), reopen the app from the service worker, and check riders in:
one by a photo of the rider's QR code (the image fed to the page's decoder), others by name; one
checks in a rider whose entry the organizer cancels meanwhile. Back online, each sends its queue:
every check-in applied once, with the time the phone took it; the cancelled entry's check-in comes
back as a conflict the helper resolves. The same at desktop size in English, where the organizer is
one of the two devices. Both pages audited (axe-core, width, text size)."""

import io

import pytest
import segno
from django.utils.dateparse import parse_datetime
from playwright.sync_api import expect

from events.models import CheckinScan, LostBib, Registration
from events.services import (
    addon_create,
    checkin_code,
    helper_join,
    helper_join_code,
    registration_cancel,
    registration_create,
    registration_proxy_set,
)
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, SIZES, csp_watch, log_in, taihang_race
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
    organizer, event = taihang_race(
        categories=[{"name": "100公里", "name_en": "100 km", "capacity": 50, "bib_start": 1, "bib_end": 100,
                     "bib_reserved": "90-99"},
                    {"name": "50公里", "name_en": "50 km", "capacity": 50, "bib_start": 501, "bib_end": 600,
                     "bib_at": "pickup"}],
        questions=[{"key": "id", "label": "身份证", "label_en": "ID card", "kind": "national_id"}])
    names = ["李明", "王芳", "张伟", "陈静"]
    jersey = addon_create(event=event, name="骑行服", name_en="Jersey", price_fen=0, variants=[("M", 5)])
    seats = [registration_create(
        event=event, category=event.categories.get(name="100公里"), id_consent=True, fill_profile=True,
        rider=UserFactory(username=f"rider{i}", real_name=name, mobile=f"1380013800{i}"),
        answers={"id": national_id(i + 10)},
        addons={jersey.pk: jersey.variants.get().pk} if name == "王芳" else {})[0] for i, name in enumerate(names)]
    li, wang, zhang, chen = seats
    registration_proxy_set(registration=wang, name="王小二", mobile="13912345678")  # her brother picks up her kit
    short = event.categories.get(name="50公里")  # bibs given at kit pick-up: the helper types the number
    zhao, zhou = (registration_create(event=event, category=short, id_consent=True, fill_profile=True,
                                      rider=UserFactory(username=f"short{i}", real_name=name),
                                      answers={"id": national_id(i + 20)})[0]
                  for i, name in enumerate(["赵敏", "周杰"]))
    first_device = organizer
    if tag == "zh":  # two volunteers on phones; at desktop size the organizer is one of the devices
        first_device = UserFactory(username="volunteer1", real_name="赵静")
        helper_join(event=event, user=first_device, code=helper_join_code(event=event))
    volunteer = UserFactory(username="volunteer2", real_name="孙丽")
    helper_join(event=event, user=volunteer, code=helper_join_code(event=event))

    a_context, a, a_violations = _device(browser, viewport, locale, base, first_device.username)
    b_context, b, b_violations = _device(browser, viewport, locale, base, volunteer.username)
    assert a.locator("#device-state").get_attribute("data-count") == "6"
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
        assert "王小二" in a.locator("#device-rider .device-proxy").inner_text()  # the helper sees who may
        # ... and what to hand out with her kit (issue 30): the jersey in her size, read from the phone's list
        assert ("骑行服 M" if tag == "zh" else "Jersey M") in a.locator("#device-rider .device-kit").inner_text()
        a.fill("#device-find", "赵敏")  # the 50 km: a bib from the stack, its number typed, a chip scanned
        a.locator("#device-found button", has_text="赵敏").click()
        a.locator("#device-pickup [data-action=pickup]").click()
        a.wait_for_selector("#device-pickup .field-problem")  # no number typed: asked for it
        a.fill("#device-pickup-bib", "505")
        a.fill("#device-pickup-chips", "E2000505")
        a.locator("#device-pickup [data-action=pickup]").click()
        a.wait_for_selector("#device-rider [data-outcome=ok]")
        assert "505" in a.locator("#device-rider").inner_text()
        a.fill("#device-find", "李明")  # 李明 lost the bib: one of the spares (90-99) instead
        a.locator("#device-found button", has_text="李明").click()
        a.locator("#device-rider [data-action=pickup]").click()
        a.wait_for_selector("#device-rider [data-done=pickup]")
        a.locator("#device-rider .device-lost summary").click()
        a.fill("#device-rebib-bib", "90")
        a.locator("#device-rider [data-action=rebib]").click()
        a.wait_for_selector("#device-rider [data-outcome=ok]")
        audit.check(a, f"{tag} check-in app offline")
        a.screenshot(path=str(SCREENSHOTS / f"checkin-device-offline-{tag}.png"))

        for name in ("张伟", "李明", "陈静"):  # 李明 on both phones; 陈静 cancelled meanwhile
            _check_in_by_name(b, name)
        b.fill("#device-find", "周杰")  # the other phone hands out bib 505 too: it cannot know
        b.locator("#device-found button", has_text="周杰").click()
        b.fill("#device-pickup-bib", "505")
        b.locator("#device-pickup [data-action=pickup]").click()
        b.wait_for_selector("#device-rider [data-outcome=ok]")
        assert b.locator("#device-sync").get_attribute("data-waiting") == "4"
        assert not CheckinScan.objects.exists()  # nothing reached the server while offline
        queued = a.evaluate(QUEUE) + b.evaluate(QUEUE)
        taken = {(q["registration"], q["device"]): q["at"] for q in queued if q["action"] == "checkin"}
        assert len(taken) == 5 and len(queued) == 9

        a_context.set_offline(False)
        b_context.set_offline(False)
        for page in (a, b):
            page.locator("#device-sync-now").click()
            page.wait_for_selector("#device-sync[data-waiting='0']")
        b.wait_for_selector("#device-conflicts:not([hidden])")
    finally:
        a_context.set_offline(False)
        b_context.set_offline(False)

    everything = list(CheckinScan.objects.order_by("at"))
    assert len(everything) == 9 and len({s.nonce for s in everything}) == 9  # each action once
    given = {s.registration_id: (s.outcome, s.reason) for s in everything if s.action == "pickup" and s.bib == 505}
    assert sorted(given.values()) == [("applied", ""), ("refused", "bib_taken")]  # the first to reach us keeps it
    holder = zhao if given[zhao.pk][0] == "applied" else zhou
    assert Registration.objects.get(pk=holder.pk).bib == 505
    assert Registration.objects.get(pk=(zhou if holder == zhao else zhao).pk).bib is None
    zhao.refresh_from_db()
    assert list(zhao.chips.values_list("tag", flat=True)) == (["E2000505"] if holder == zhao else [])
    assert Registration.objects.get(pk=li.pk).bib == 90
    assert LostBib.objects.filter(event=event, bib=li.bib, registration=li, replaced_by=90).exists()
    scans = [s for s in everything if s.action == "checkin"]
    assert {(s.registration_id, s.device): s.at for s in scans} == {
        key: parse_datetime(at) for key, at in taken.items()}  # the phones' own times, not the sync's
    assert {s.registration_id for s in scans if s.outcome == "applied"} == {li.pk, wang.pk, zhang.pk}
    refused = [s for s in scans if s.outcome == "refused"]
    assert [(s.registration_id, s.reason) for s in refused] == [(chen.pk, "not_confirmed")]
    loser, loser_name = (b, "周杰") if holder == zhao else (a, "赵敏")
    if loser is a:
        a.wait_for_selector("#device-conflicts:not([hidden])")
    assert b.locator("#device-conflict-list li").count() == (2 if loser is b else 1)  # 陈静's check-in (, the bib)
    seats = {r.pk: r for r in Registration.objects.filter(pk__in=[r.pk for r in seats])}
    assert seats[li.pk].checked_in_at == min(s.at for s in scans if s.registration_id == li.pk)  # first stands
    assert seats[chen.pk].checked_in_at is None and seats[chen.pk].status == "cancelled"

    conflict = b.locator("#device-conflict-list li[data-reason=not_confirmed]")
    assert "陈静" in conflict.inner_text()
    assert loser_name in loser.locator("#device-conflict-list li[data-reason=bib_taken]").inner_text()
    audit.check(b, f"{tag} check-in app conflict")
    b.locator("#device-conflicts").screenshot(path=str(SCREENSHOTS / f"checkin-device-conflict-{tag}.png"))
    for phone in (a, b):
        phone.bring_to_front()  # (a page in the background gets no animation frames: no click)
        items = phone.locator("#device-conflict-list li")
        for left in range(items.count() - 1, -1, -1):  # one at a time: each click re-draws the list
            items.first.locator("button").click()
            expect(items).to_have_count(left)
        phone.wait_for_selector("#device-conflicts", state="hidden")

    synced = a.locator("#device-sync").get_attribute("data-synced")  # a pulled before b sent: once more
    a.locator("#device-sync-now").click()
    expect(a.locator("#device-sync")).not_to_have_attribute("data-synced", synced or "")
    a.fill("#device-find", "张伟")  # the other phone's check-in reached this one with the pull
    assert a.locator("#device-found li").get_attribute("data-registration") == str(zhang.pk)
    assert a.locator("#device-found li .muted").inner_text().count(":") >= 2  # "checked in at HH:MM:SS"

    a_context.close()
    b_context.close()
    assert a_violations == b_violations == [], a_violations + b_violations
    assert audit.problems == [], audit.report()


def _camera_film(path, text: str) -> None:
    """A Y4M video of the QR code of `text`, which Chromium's fake camera plays as the phone's camera."""
    matrix = [list(row) for row in segno.make(text).matrix]
    width, height, scale, border = 640, 480, 8, 4
    side = (len(matrix) + 2 * border) * scale
    left, top = (width - side) // 2, (height - side) // 2
    luma = bytearray([235]) * (width * height)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + (r + border) * scale + dy) * width + left + (c + border) * scale
                    luma[start:start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * (width * height // 4)
    with open(path, "wb") as film:
        film.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            film.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def test_the_phone_camera_reads_the_riders_code(live_server, transactional_db, tmp_path, browser):
    """The camera path: Chromium's fake camera plays a film of the rider's QR code; the app's decoder
    reads it from the live video and shows the rider (phone size, Chinese)."""
    from tests.browser.conftest import CHROMIUM

    base = live_server.url
    organizer, event = taihang_race(categories=[{"name": "100公里", "capacity": 5}])
    seat = registration_create(event=event, category=event.categories.get(),
                               rider=UserFactory(username="rider1", real_name="李明"))[0]
    film = tmp_path / "qr.y4m"
    _camera_film(film, f"{base}/events/taihang-race/checkin/?code={checkin_code(seat)}")
    # a browser of its own with the fake camera, launched by the suite's Playwright (one a process)
    filmed = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={film}"])
    try:
        context = filmed.new_context(viewport=SIZES[0][0], locale=SIZES[0][1])
        context.grant_permissions(["camera"], origin=base)
        page = context.new_page()
        violations = csp_watch(page)
        log_in(page, base, organizer.username)
        page.goto(f"{base}/events/taihang-race/checkin/device/")
        page.wait_for_selector("#device-state[data-ready=yes]")
        page.locator("#scan-camera").click()
        page.wait_for_selector("#device-rider .device-name", timeout=15000)
        assert page.locator("#device-rider .device-name").inner_text() == "李明"
        assert page.locator("#scan-video").is_hidden()  # the camera stops once a code is read
    finally:
        filmed.close()
    assert violations == [], violations
