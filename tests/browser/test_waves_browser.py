"""In a real browser (issue 28): the organizer adds two start waves to a category, seeds the riders by
their declared speed, moves one by bib; the rider sees the wave and its start time beside the QR code.
Audited (axe-core, width, text size) at 390x844 zh-hans and 1280x800 en."""

import datetime

import pytest
from django.utils import timezone

from events.models import Registration
from events.services import registration_create
from tests.browser.audit import Audit
from tests.browser.conftest import SCREENSHOTS, log_in, taihang_race
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_organizer_seeds_waves_and_the_rider_sees_theirs(live_server, transactional_db, person):
    page, tag = person
    base, audit = live_server.url, Audit()
    organizer, event = taihang_race(
        starts_in=datetime.timedelta(days=2), closes_in=datetime.timedelta(days=1),
        categories=[{"name": "100公里", "name_en": "100 km", "capacity": 10}],
        questions=[{"key": "speed", "label": "平均时速", "label_en": "Average speed", "kind": "number"}])
    category = event.categories.get()
    riders = [UserFactory(username=f"rider{i}") for i in range(3)]
    seats = [registration_create(event=event, category=category, rider=r, answers={"speed": s})[0]
             for r, s in zip(riders, (24, 35, 30), strict=True)]
    log_in(page, base, organizer.username)
    page.goto(f"{base}/events/taihang-race/categories/{category.pk}/")
    start = timezone.localtime(event.starts_at)
    for name, minutes, size in (("A", 0, 2), ("B", 15, 5)):
        page.fill("#wave-add #id_name", name)
        page.fill("#wave-add #id_starts_at", (start + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#wave-add #id_size", str(size))
        page.locator("#wave-add button").click()
        page.wait_for_selector(f"#wave-list li:has-text('{name}')")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#waves-seed button").click()
    page.wait_for_selector(".messages")
    waves = dict(Registration.objects.filter(pk__in=[s.pk for s in seats]).values_list("rider__username", "wave__name"))
    assert waves == {"rider1": "A", "rider2": "A", "rider0": "B"}  # 35 and 30 km/h first
    page.fill("#wave-move #id_bib", str(seats[2].bib))
    page.select_option("#wave-move #id_wave", label="B")
    page.locator("#wave-move button").click()
    page.wait_for_selector(".messages")
    assert Registration.objects.get(pk=seats[2].pk).wave.name == "B"
    page.locator("#waves").scroll_into_view_if_needed()
    audit.check(page, f"{tag} category waves")
    page.locator("#waves").screenshot(path=str(SCREENSHOTS / f"waves-{tag}.png"))
    page.context.clear_cookies()
    log_in(page, base, "rider2")
    page.goto(f"{base}/events/registrations/{seats[2].pk}/")
    assert (start + datetime.timedelta(minutes=15)).strftime("%H:%M") in page.locator("#start-wave").inner_text()
    audit.check(page, f"{tag} rider's wave")
    assert audit.problems == [], audit.report()
