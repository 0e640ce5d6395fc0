"""Issue 28: start waves. Waves per category with a start time and a size; the confirmed riders
seeded by declared speed (a number question, fastest first) or previous results (place in their last
race, best first), riders without either last; moved by the organizer within the waves' sizes; the
wave and its start time on the rider's page, in the reminder (e-mail and SMS), on the start list,
the devices' list and the check-in CSV; a message to one wave."""

import datetime

import pytest
from django.utils import timezone, translation

from core.errors import ServiceError
from events.exports import table
from events.mail import build, sms_for
from events.models import Event, Registration
from events.selectors.raceday import device_start_list, waves_of
from events.serializers import DeviceEntry
from events.services import (
    field_message_preview,
    registration_create,
    registration_switch,
    registration_wave_move,
    results_import,
    wave_add,
    waves_seed,
)
from tests.factories import UserFactory

SPEED = {"key": "speed", "label": "平均时速 (km/h)", "label_en": "Average speed (km/h)", "kind": "number"}


@pytest.fixture
def race(make_event):
    event = make_event(categories=[{"name": "100公里", "capacity": 6}, {"name": "50公里", "capacity": 2}],
                       questions=[SPEED], kind="race")
    long, short = event.categories.order_by("position")
    speeds = [25, 32, None, 28, 40]
    seats = [registration_create(event=event, category=long, rider=UserFactory(),
                                 answers={"speed": s} if s else {})[0] for s in speeds]
    start = event.starts_at
    waves = [wave_add(category=long, name=name, starts_at=start + datetime.timedelta(minutes=10 * i), size=2)
             for i, name in enumerate("ABC")]
    return event, long, short, seats, waves


def test_riders_are_seeded_fastest_first_each_wave_up_to_its_size(race):
    _event, long, _, seats, (_a, _b, _c) = race
    assert waves_seed(category=long, by="speed") == 5
    wave = dict(Registration.objects.filter(pk__in=[s.pk for s in seats]).values_list("pk", "wave__name"))
    assert [wave[s.pk] for s in seats] == ["B", "A", "C", "B", "A"]  # 40, 32 | 28, 25 | no speed
    assert [(w.name, w.riders_count) for w in waves_of(long)] == [("A", 2), ("B", 2), ("C", 1)]


def test_seeding_and_waves_are_refused_with_the_reason(race):
    event, long, short, _seats, (a, *_rest) = race
    with translation.override("en"):
        with pytest.raises(ServiceError, match="waves first"):
            waves_seed(category=short, by="speed")
        with pytest.raises(ServiceError, match="number question"):
            waves_seed(category=long, by="nothing")
        with pytest.raises(ServiceError, match="a wave of that name"):
            wave_add(category=long, name="A", starts_at=event.starts_at, size=3)
        with pytest.raises(ServiceError, match="event's day"):
            wave_add(category=long, name="D", starts_at=event.starts_at - datetime.timedelta(days=2), size=3)
    a.size = 0  # (sizes changed below the service: 0 + 2 + 2 seats for 5 riders)
    a.save()
    with translation.override("en"), pytest.raises(ServiceError, match="hold 4 riders and 5 are confirmed"):
        waves_seed(category=long, by="speed")


def test_the_organizer_moves_a_rider_within_the_waves_sizes(race):
    event, long, short, seats, (a, _b, c) = race
    waves_seed(category=long, by="speed")
    third = seats[2]  # in C
    with translation.override("en"), pytest.raises(ServiceError, match="Wave A is full"):
        registration_wave_move(registration=third, wave=a)
    registration_wave_move(registration=third, wave=c)
    other = wave_add(category=short, name="S", starts_at=event.starts_at, size=5)
    with translation.override("en"), pytest.raises(ServiceError, match="not of the rider's category"):
        registration_wave_move(registration=third, wave=other)
    registration_wave_move(registration=third, wave=None)
    assert Registration.objects.get(pk=third.pk).wave is None


def test_seeding_by_previous_results_puts_the_best_placed_first(make_event, organizer):
    before = make_event(title="去年的比赛", kind="race", capacity=4)
    riders = [UserFactory() for _ in range(4)]
    old = [registration_create(event=before, category=before.categories.get(), rider=r)[0] for r in riders]
    Registration.objects.filter(pk__in=[r.pk for r in old]).update(checked_in_at=timezone.now())
    now = timezone.now()
    Event.objects.filter(pk=before.pk).update(starts_at=now - datetime.timedelta(days=300),
                                              ends_at=now - datetime.timedelta(days=300) + datetime.timedelta(hours=5))
    before.refresh_from_db()
    report = results_import(event=before, data=b"bib,time\n1,3:30:00\n2,2:50:00\n3,DNF\n4,3:05:00\n")
    assert report.errors == []
    event = make_event(kind="race", capacity=5)
    category = event.categories.get()
    newcomer = UserFactory()
    seats = [registration_create(event=event, category=category, rider=r)[0] for r in [newcomer, *riders]]
    wave_add(category=category, name="精英", starts_at=event.starts_at, size=2)
    wave_add(category=category, name="大众", starts_at=event.starts_at + datetime.timedelta(minutes=15), size=3)
    waves_seed(category=category, by="results")
    wave = dict(Registration.objects.filter(pk__in=[s.pk for s in seats]).values_list("rider_id", "wave__name"))
    assert wave[riders[1].pk] == wave[riders[3].pk] == "精英"  # 2:50 and 3:05 last year
    assert wave[riders[0].pk] == wave[riders[2].pk] == wave[newcomer.pk] == "大众"  # 3:30, DNF, no race


def test_the_wave_is_shown_where_the_rider_and_the_helpers_look(client, race, settings):
    event, long, _short, seats, (_a, b, _c) = race
    waves_seed(category=long, by="speed")
    fastest = Registration.objects.select_related("rider", "event", "wave").get(pk=seats[4].pk)  # in A
    client.force_login(fastest.rider)
    page = client.get(f"/events/registrations/{fastest.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "start-wave" in page and "出发波次 A" in page
    listing = client.get(f"/events/{event.slug}/start-list/").content.decode()
    assert "<td>A · " in listing
    entry = DeviceEntry().to_representation(next(r for r in device_start_list(event=event).entries
                                                 if r.pk == fastest.pk))
    assert entry["wave"] == "A" and entry["wave_starts_at"]
    _header, rows = table(event=event, kind="checkin")
    assert any(row[-1].startswith("A ") for row in rows)
    settings.SMS_BACKEND = "memory"
    later = Registration.objects.select_related("rider", "event", "wave").get(pk=seats[0].pk)  # in B, 10 min later
    assert timezone.localtime(b.starts_at).strftime("%H:%M") in sms_for(later, "reminder").text
    assert "A " in build(fastest, "reminder").body
    assert field_message_preview(event=event, audience="wave", wave=b, text="B 波次 7:10 出发").recipients == 2


def test_a_rider_who_changes_category_leaves_the_old_categorys_wave(race):
    _event, long, short, seats, _ = race
    waves_seed(category=long, by="speed")
    registration_switch(registration=seats[0], category=short)
    assert Registration.objects.get(pk=seats[0].pk).wave is None


def test_the_category_page_adds_seeds_and_moves(client, race, organizer):
    event, long, _short, seats, (_a, _b, _c) = race
    client.force_login(organizer)
    path = f"/events/{event.slug}/categories/{long.pk}/"
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "waves-seed" in page.content.decode()
    start = timezone.localtime(event.starts_at + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    client.post(path, {"action": "wave_add", "name": "D", "starts_at": start, "size": 3})
    assert long.waves.filter(name="D").exists()
    bad = client.post(path, {"action": "wave_add", "name": "", "starts_at": "x", "size": 0}, follow=True,
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 200 and long.waves.count() == 4
    client.post(path, {"action": "waves_seed", "by": "speed"})
    assert Registration.objects.filter(category=long, wave__isnull=False).count() == 5
    bib = Registration.objects.get(pk=seats[2].pk).bib
    client.post(path, {"action": "wave_move", "bib": bib, "wave": long.waves.get(name="D").pk})
    assert Registration.objects.get(pk=seats[2].pk).wave.name == "D"
    moved = client.post(path, {"action": "wave_move", "bib": 999, "wave": ""}, follow=True,
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "999" in moved.content.decode()
