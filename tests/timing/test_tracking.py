"""Issue 29: rider tracking and SOS. Opt-in per event and rider; positions kept on the phone and sent
later are stored once; the SOS texts the organizer's emergency phone (console/memory SMS backend) and
shows on the live page; positions only for the organizers and a share link the rider controls; erased
N days after the event, when the rider stops, and with the account; listed in the data download."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from core import sms
from core.outbox import send_due
from tests.factories import UserFactory
from tests.timing.test_push import _client
from timing.models import Position, Timing, Tracker
from timing.services import positions_erase_expired, timing_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracked(race):
    timing_update(event=race.event, tracking=True, emergency_phone="+8613900000001", positions_kept_days=7)
    return race


def _fixes(race, *minutes: int) -> list[dict]:
    return [{"at": (race.gun + datetime.timedelta(minutes=m)).isoformat(), "lat": 37.06 + m / 1000, "lon": 114.5,
             "accuracy_m": 8} for m in minutes]


def test_a_rider_shares_positions_kept_without_signal_and_sent_twice(client, tracked):
    race = tracked
    a = race.seats["A"]
    client.force_login(a.rider)
    api = _client(a.rider)
    url = f"/api/v1/registrations/{a.pk}/positions/"
    assert api.post(url, {"positions": _fixes(race, 3)}, format="json").status_code == 400  # not opted in yet
    client.post(f"/events/registrations/{a.pk}/tracking/", {"action": "start"})
    assert Tracker.objects.filter(registration=a).exists()
    assert api.post(url, {"positions": _fixes(race, 3, 6, 9)}, format="json").json() == {"new": 3}
    # the phone lost the answer and sends the same three with two more it kept in a valley
    assert api.post(url, {"positions": _fixes(race, 3, 6, 9, 12, 15)}, format="json").json() == {"new": 2}
    assert Position.objects.filter(registration=a).count() == 5
    # the field page places D by their last passing (the feed station at G+40 min) until their phone's
    # position is newer
    from tests.timing.conftest import reads_of
    from tests.timing.test_passings import _csv
    from timing import formats
    from timing.selectors import field_of
    from timing.services import passings_ingest, tracking_start

    passings_ingest(event=race.event, reads=formats.read("csv", _csv(race, reads_of(race))), source="csv", device="p")
    d = race.seats["D"]
    tracking_start(registration=d)
    _client(d.rider).post(f"/api/v1/registrations/{d.pk}/positions/", {"positions": _fixes(race, 30)}, format="json")
    place = next(p for p in field_of(event=race.event)[0] if p.registration.pk == d.pk)
    assert (place.by_phone, place.lat) == (False, race.checkpoints["CP1"].lat)
    _client(d.rider).post(f"/api/v1/registrations/{d.pk}/positions/", {"positions": _fixes(race, 70)}, format="json")
    place = next(p for p in field_of(event=race.event)[0] if p.registration.pk == d.pk)
    assert (place.by_phone, place.lat) == (True, pytest.approx(37.06 + 70 / 1000))


def test_positions_from_outside_the_event_are_refused_and_nothing_is_stored(tracked):
    race = tracked
    a = race.seats["A"]
    api = _client(a.rider)
    from timing.services import tracking_start

    tracking_start(registration=a)
    url = f"/api/v1/registrations/{a.pk}/positions/"
    far = [*_fixes(race, 3), {"at": (race.gun - datetime.timedelta(days=3)).isoformat(), "lat": 37, "lon": 114}]
    response = api.post(url, {"positions": far}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["code"] == "position_invalid"
    bad = api.post(url, {"positions": [{"at": race.gun.isoformat(), "lat": 91, "lon": 0}]}, format="json")
    assert bad.status_code == 400 and "lat" in str(bad.json()["fields"])
    assert not Position.objects.exists()


def test_only_the_rider_sends_and_sees_their_own(tracked):
    race = tracked
    a = race.seats["A"]
    stranger = _client(UserFactory())
    assert stranger.post(f"/api/v1/registrations/{a.pk}/positions/", {"positions": _fixes(race, 3)},
                         format="json").status_code == 404
    assert stranger.post(f"/api/v1/registrations/{a.pk}/sos/", _fixes(race, 3)[0], format="json").status_code == 404
    # the organizer sees positions on the field page, but does not send them for the rider
    assert _client(race.event.organizers.first()).post(f"/api/v1/registrations/{a.pk}/sos/", _fixes(race, 3)[0],
                                                       format="json").status_code == 404


@override_settings(SMS_BACKEND="memory")
def test_sos_texts_the_emergency_phone_once_in_a_few_minutes_and_shows_on_the_live_page(client, tracked):
    race = tracked
    b = race.seats["B"]
    sms.sent.clear()
    api = _client(b.rider)
    first = api.post(f"/api/v1/registrations/{b.pk}/sos/", _fixes(race, 95)[0], format="json")
    assert first.status_code == 200 and first.json()["texted"] is True
    api.post(f"/api/v1/registrations/{b.pk}/sos/", _fixes(race, 96)[0], format="json")  # pressed again
    send_due()
    texts = [m for m in sms.sent if m.kind == "sos"]
    assert len(texts) == 1 and texts[0].phone == "+8613900000001"
    assert f"{b.bib}" in texts[0].text and "uri.amap.com" in texts[0].text and b.rider.real_name in texts[0].text
    assert Position.objects.filter(registration=b, sos=True).count() == 2  # both places kept
    client.force_login(race.event.organizers.first())
    page = client.get(f"/events/{race.event.slug}/timing/field/").content.decode()
    assert 'id="sos-list"' in page and b.rider.real_name in page
    # a check-in helper sees the field by passings, not the riders' positions nor the SOS places
    from events.services import helper_join, helper_join_code

    helper = UserFactory()
    helper_join(event=race.event, user=helper, code=helper_join_code(event=race.event))
    client.force_login(helper)
    page = client.get(f"/events/{race.event.slug}/timing/field/").content.decode()
    assert 'id="sos-list"' not in page and "37.155" not in page and '"sos": []' in page


@override_settings(SMS_BACKEND="memory", SMS_DAILY_CAP_PER_NUMBER=1)
def test_sos_is_never_held_back_by_the_daily_cap_of_the_emergency_phone(tracked):
    race = tracked
    sms.sent.clear()
    for name in "ABC":
        seat = race.seats[name]
        assert _client(seat.rider).post(f"/api/v1/registrations/{seat.pk}/sos/", _fixes(race, 50)[0],
                                        format="json").status_code == 200
    send_due()
    assert len([m for m in sms.sent if m.kind == "sos"]) == 3


def test_the_share_link_shows_the_trail_until_revoked(client, tracked):
    race = tracked
    a = race.seats["A"]
    client.force_login(a.rider)
    client.post(f"/events/registrations/{a.pk}/tracking/", {"action": "start"})
    _client(a.rider).post(f"/api/v1/registrations/{a.pk}/positions/", {"positions": _fixes(race, 3, 6)},
                          format="json")
    client.post(f"/events/registrations/{a.pk}/tracking/", {"action": "share"})
    token = Tracker.objects.get(registration=a).share_token
    client.logout()
    shared = client.get(f"/events/track/{token}/")
    assert shared.status_code == 200 and "37.066" in shared.content.decode()
    assert a.rider.real_name not in shared.content.decode()
    client.force_login(a.rider)
    client.post(f"/events/registrations/{a.pk}/tracking/", {"action": "unshare"})
    client.logout()
    assert client.get(f"/events/track/{token}/").status_code == 404


def test_stopping_erases_the_positions(client, tracked):
    race = tracked
    a = race.seats["A"]
    client.force_login(a.rider)
    client.post(f"/events/registrations/{a.pk}/tracking/", {"action": "start"})
    _client(a.rider).post(f"/api/v1/registrations/{a.pk}/positions/", {"positions": _fixes(race, 3, 6)},
                          format="json")
    client.post(f"/events/registrations/{a.pk}/tracking/", {"action": "stop"})
    assert not Position.objects.filter(registration=a).exists() and not Tracker.objects.filter(registration=a).exists()


def test_positions_are_erased_the_kept_days_after_the_event(tracked):
    race = tracked
    a = race.seats["A"]
    from timing.services import Fix, sos_send, tracking_start

    tracking_start(registration=a)
    Position.objects.create(event=race.event, registration=a, at=race.at(60), lat=37, lon=114, received_at=race.at(60))
    sos_send(registration=a, fix=Fix(race.at(90), 37.1, 114.1))
    ends = race.event.ends_at
    assert positions_erase_expired(now=ends + datetime.timedelta(days=6)) == 0
    assert positions_erase_expired(now=ends + datetime.timedelta(days=7, hours=1)) == 2
    assert not Position.objects.exists() and not Tracker.objects.exists()


def test_positions_are_in_the_data_download_and_go_with_the_account(client, tracked):
    race = tracked
    a = race.seats["A"]
    from core import personal_data
    from timing.services import tracking_start

    tracking_start(registration=a)
    Position.objects.create(event=race.event, registration=a, at=race.at(60), lat=37.5, lon=114.2,
                            received_at=timezone.now())
    exported = personal_data.export(a.rider)["timing"]
    assert exported["positions"][0]["lat"] == 37.5 and exported["results"][0]["status"] == "not_started"
    personal_data.erase(a.rider)
    assert not Position.objects.filter(registration=a).exists()


def test_the_rider_page_offers_the_race_day_page_only_where_the_event_tracks(client, tracked):
    race = tracked
    a = race.seats["A"]
    client.force_login(a.rider)
    assert 'id="tracking-link"' in client.get(f"/events/registrations/{a.pk}/").content.decode()
    page = client.get(f"/events/registrations/{a.pk}/tracking/").content.decode()
    assert "sos-button" in page and "tel:+8613900000001" in page and "tracking.js" in page
    Timing.objects.filter(event=race.event).update(tracking=False)
    assert 'id="tracking-link"' not in client.get(f"/events/registrations/{a.pk}/").content.decode()


def test_a_phone_cannot_store_more_than_the_cap(tracked, monkeypatch):
    from timing.services import tracking as tracking_module

    race = tracked
    a = race.seats["A"]
    tracking_module.tracking_start(registration=a)
    monkeypatch.setattr(tracking_module, "MAX_KEPT", 3)
    api = _client(a.rider)
    url = f"/api/v1/registrations/{a.pk}/positions/"
    assert api.post(url, {"positions": _fixes(race, 1, 2, 3)}, format="json").json() == {"new": 3}
    refused = api.post(url, {"positions": _fixes(race, 4)}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "passings_too_many"
    assert Position.objects.filter(registration=a).count() == 3
