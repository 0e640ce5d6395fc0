"""In a real browser (issue 28): the organizer writes to the riders not yet picked up, previews the
count and the SMS cost, sends, and finds the message kept on the event. Audited (axe-core, width,
text size) at 390x844 zh-hans and 1280x800 en."""


import pytest

from events.models import FieldMessage
from events.services import registration_create
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, log_in, taihang_race
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_organizer_previews_then_sends_a_message_to_the_field(live_server, transactional_db, person):
    page, tag = person
    base, audit = live_server.url, Audit()
    organizer, event = taihang_race(categories=[{"name": "100公里", "name_en": "100 km", "capacity": 10}])
    for i in range(3):
        registration_create(event=event, category=event.categories.get(),
                            rider=UserFactory(mobile=f"+861380013800{i}"))
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/taihang-race/manage/")
    page.locator("#field-messages-link").click()
    page.select_option("#id_audience", "not_picked_up")
    page.fill("#id_text", "领物帐篷改到起点拱门东侧。")
    page.locator("#field-message-form button[name=preview]").click()
    page.wait_for_selector("#field-preview")
    assert "3" in page.locator("#field-preview").inner_text() and "0.15" in page.locator("#field-preview").inner_text()
    audit.check(page, f"{tag} messages preview")
    page.screenshot(path=str(SCREENSHOTS / f"field-messages-preview-{tag}.png"))
    page.locator("#field-send").click()
    page.wait_for_selector("#field-kept li strong")
    assert page.locator("#field-kept li strong").first.inner_text() == "领物帐篷改到起点拱门东侧。"
    assert FieldMessage.objects.get().recipients == 3
    audit.check(page, f"{tag} messages sent")
    assert audit.problems == [], audit.report()
