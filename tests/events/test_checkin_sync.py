"""Issue 28: check-in devices work with no signal and sync batches later. Each action carries a nonce
and its own time; a resent batch changes nothing; two devices offline both count; an entry
cancelled or transferred while a device was offline is refused on sync, with the reason."""

import datetime
import json
import threading

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from events import services
from events.models import CheckinScan, Registration
from events.services import Scan, checkin_code, checkins_sync, registration_create
from tests.factories import UserFactory


@pytest.fixture
def seats(make_event, riders):
    event = make_event(capacity=4, transfer_deadline=timezone.now() + datetime.timedelta(days=5))
    category = event.categories.get()
    return event, [registration_create(event=event, category=category, rider=r)[0] for r in riders[:4]]


def _scan(nonce, registration=None, *, code=None, action="checkin", minutes_ago=30, device="phone-a"):
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return Scan(nonce=nonce, action=action, at=at, device=device, code=code or "",
                registration=None if code else registration.pk)


def test_a_scan_keeps_its_own_time_and_a_resent_batch_changes_nothing(seats, organizer):
    event, (first, second, *_) = seats
    batch = [_scan("a-0001-nonce", code=checkin_code(first), minutes_ago=42),
             _scan("a-0002-nonce", second, action="pickup", minutes_ago=50)]
    answers = checkins_sync(event=event, by=organizer, scans=batch)
    assert [a.outcome for a in answers] == ["applied", "applied"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.checked_in_at == batch[0].at  # the scan's time, not the sync's
    assert second.picked_up_at == batch[1].at and second.checked_in_at is None
    again = checkins_sync(event=event, by=organizer, scans=batch)
    assert [a.outcome for a in again] == ["duplicate", "duplicate"]
    assert CheckinScan.objects.count() == 2
    first.refresh_from_db()
    assert first.checked_in_at == batch[0].at
    scan = CheckinScan.objects.get(nonce="a-0001-nonce")
    assert (scan.device, scan.by, scan.at, scan.outcome) == ("phone-a", organizer, batch[0].at, "applied")
    twice = [_scan("a-0003-nonce", second, minutes_ago=5), _scan("a-0003-nonce", second, minutes_ago=5),
             _scan("a-0002-nonce", second, action="pickup", minutes_ago=50)]  # one nonce twice in a batch
    assert [(a.outcome, a.registration) for a in checkins_sync(event=event, by=organizer, scans=twice)] == [
        ("applied", second.pk), ("duplicate", second.pk), ("duplicate", second.pk)]
    assert CheckinScan.objects.count() == 3


def test_two_devices_offline_both_count_and_the_first_scan_time_stands(seats, organizer):
    event, (first, second, third, _) = seats
    phone_a = [_scan("a-1000-nonce", first, minutes_ago=20), _scan("a-1001-nonce", third, minutes_ago=12)]
    phone_b = [_scan("b-2000-nonce", second, minutes_ago=18, device="phone-b"),
               _scan("b-2001-nonce", third, minutes_ago=15, device="phone-b")]
    checkins_sync(event=event, by=organizer, scans=phone_a)
    answers = checkins_sync(event=event, by=organizer, scans=phone_b)  # synced later, scanned earlier
    assert [a.outcome for a in answers] == ["applied", "applied"]
    third.refresh_from_db()
    assert third.checked_in_at == phone_b[1].at  # 15 minutes ago, before phone A's 12
    assert Registration.objects.filter(event=event, checked_in_at__isnull=False).count() == 3
    assert CheckinScan.objects.filter(registration=third, outcome="applied").count() == 2


def test_what_changed_while_a_device_was_offline_is_refused_with_its_reason(seats, organizer, riders):
    event, (first, second, third, fourth) = seats
    old_code = checkin_code(second)
    checkins_sync(event=event, by=organizer, scans=[_scan("c-0000-nonce", second, action="pickup", minutes_ago=90)])
    services.registration_cancel(registration=first)
    offer = services.registration_transfer(registration=second, to_rider=riders[5])
    services.transfer_accept(offer=offer, rider=riders[5], accept_waiver=True)
    taken = Registration.objects.get(event=event, rider=riders[5])
    assert taken.picked_up_at is None  # the seller's kit pick-up is not the buyer's
    answers = checkins_sync(event=event, by=organizer, scans=[
        _scan("c-0001-nonce", first),  # withdrawn while the device was offline
        _scan("c-0002-nonce", code=old_code),  # the seller's QR after the transfer
        _scan("c-0003-nonce", code=checkin_code(taken)),  # the buyer's own QR
        _scan("c-0004-nonce", code="2118-K7QM-X3RT-PW9D"),  # not a code of this event
        _scan("c-0005-nonce", third, minutes_ago=-30),  # a clock half an hour ahead
        _scan("c-0006-nonce", fourth)])
    assert [(a.outcome, str(a.reason)) for a in answers] == [
        ("refused", "not_confirmed"), ("refused", "invalid_code"), ("applied", ""), ("refused", "invalid_code"),
        ("refused", "future_time"), ("applied", "")]
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.checked_in_at is None and third.checked_in_at is None
    assert CheckinScan.objects.filter(outcome="refused").count() == 4  # kept, with their reasons


def test_the_api_answers_each_item_in_the_callers_language(client, seats, organizer):
    event, (first, *_) = seats
    services.registration_cancel(registration=first)
    token = Token.objects.create(user=organizer)
    body = {"scans": [{"nonce": "d-0001-nonce", "action": "checkin", "registration": first.pk,
                       "at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(), "device": "phone-a"}]}
    url = f"/api/v1/events/{event.slug}/checkins/sync/"
    answer = client.post(url, json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert answer["results"][0]["outcome"] == "refused" and answer["results"][0]["reason"] == "not_confirmed"
    assert "未确认" in answer["results"][0]["message"] and answer["server_time"]
    english = client.post(url, json.dumps(body), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"][0]["outcome"] == "duplicate" and "not confirmed" in english["results"][0]["message"]


@pytest.mark.parametrize("body", [
    {"scans": []}, {"scans": [{"nonce": "short", "action": "checkin", "registration": 1, "at": "2026-12-06T08:00Z"}]},
    {"scans": [{"nonce": "e-0001-nonce", "action": "fly", "registration": 1, "at": "2026-12-06T08:00Z"}]},
    {"scans": [{"nonce": "e-0001-nonce", "action": "checkin", "at": "2026-12-06T08:00Z"}]},
    {"scans": [{"nonce": "e-0001-nonce", "action": "checkin", "registration": 1, "at": "yesterday"}]},
    {"scans": [{"nonce": f"e-{i:04d}-nonce", "action": "checkin", "registration": 1,
                "at": "2026-12-06T08:00Z"} for i in range(501)]},
])
def test_a_bad_batch_is_refused_whole_and_changes_nothing(client, seats, organizer, body):
    event, _ = seats
    token = Token.objects.create(user=organizer)
    response = client.post(f"/api/v1/events/{event.slug}/checkins/sync/", json.dumps(body),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 400
    assert not CheckinScan.objects.exists()


def test_only_the_organizer_syncs(client, seats):
    event, (first, *_) = seats
    token = Token.objects.create(user=UserFactory())
    body = {"scans": [{"nonce": "f-0001-nonce", "action": "checkin", "registration": first.pk,
                       "at": timezone.now().isoformat()}]}
    response = client.post(f"/api/v1/events/{event.slug}/checkins/sync/", json.dumps(body),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404
    assert not CheckinScan.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_batch_sent_by_two_connections_at_once_is_applied_once(make_event, riders, organizer):
    """A device retrying while its first request still runs: every nonce is taken once."""
    event = make_event(capacity=6)
    category = event.categories.get()
    seated = [registration_create(event=event, category=category, rider=r)[0] for r in riders]
    batch = [_scan(f"g-{i:04d}-nonce", r, minutes_ago=10 + i) for i, r in enumerate(seated)]
    start, outcomes = threading.Barrier(2), []

    def send():
        try:
            start.wait(timeout=10)
            outcomes.append([a.outcome for a in checkins_sync(event=event, by=organizer, scans=batch)])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o for answers in outcomes for o in answers) == ["applied"] * 6 + ["duplicate"] * 6
    assert CheckinScan.objects.filter(event=event).count() == 6
    assert Registration.objects.filter(event=event, checked_in_at__isnull=False).count() == 6


def _device_list(client, event, token, since=None):
    url = f"/api/v1/events/{event.slug}/checkins/start-list/" + (f"?since={since}" if since else "")
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.streaming, response
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


def test_a_device_downloads_the_start_list_then_only_what_changed(client, make_event, riders, organizer):
    from events.serializers import code_hash

    event = make_event(capacity=3, questions=[{"key": "id", "label": "身份证", "kind": "national_id"}],
                       transfer_deadline=timezone.now() + datetime.timedelta(days=5))
    category = event.categories.get()
    riders[0].real_name, riders[0].mobile = "李明", "13800138000"
    riders[0].save()
    seated = [registration_create(event=event, category=category, rider=r, id_consent=True,
                                  answers={"id": "110105199001010010"} if i == 0 else {})[0]
              for i, r in enumerate(riders[:4])]  # the fourth waits
    token = Token.objects.create(user=organizer)
    first = _device_list(client, event, token)
    assert first["full"] is True and [e["registration"] for e in first["entries"]] == [r.pk for r in seated[:3]]
    li = first["entries"][0]
    assert (li["name"], li["id_last4"], li["phone_last4"], li["status"]) == ("李明", "0010", "8000", "confirmed")
    assert li["code_hash"] == code_hash(checkin_code(seated[0]).lower().replace("-", " "))  # as typed
    assert "110105199001010010" not in json.dumps(first) and checkin_code(seated[0]) not in json.dumps(first)
    assert _device_list(client, event, token, since=first["cursor"])["entries"] == []  # nothing moved
    # meanwhile: a withdrawal (the waiting rider takes the seat), a scan from another device
    services.registration_cancel(registration=seated[1])
    checkins_sync(event=event, by=organizer, scans=[_scan("h-0001-nonce", seated[2])])
    changed = _device_list(client, event, token, since=first["cursor"])
    assert changed["full"] is False
    by_id = {e["registration"]: e for e in changed["entries"]}
    assert set(by_id) == {seated[1].pk, seated[2].pk, seated[3].pk}
    assert by_id[seated[1].pk]["status"] == "cancelled" and by_id[seated[1].pk]["code_hash"] == ""
    assert by_id[seated[3].pk]["status"] == "confirmed" and by_id[seated[2].pk]["checked_in_at"]
    assert _device_list(client, event, token, since=changed["cursor"])["entries"] == []


@pytest.mark.parametrize("since", ["yesterday", "1.2.3", "-1.0", "9" * 16 + ".1"])
def test_a_cursor_that_is_not_one_is_refused(client, seats, organizer, since):
    event, _ = seats
    token = Token.objects.create(user=organizer)
    response = client.get(f"/api/v1/events/{event.slug}/checkins/start-list/?since={since}",
                          HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "cursor" in response.content.decode()


def test_only_the_organizer_downloads_the_start_list(client, seats):
    event, _ = seats
    token = Token.objects.create(user=UserFactory())
    response = client.get(f"/api/v1/events/{event.slug}/checkins/start-list/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_devices_sync_1250_actions_each_at_once_none_lost_none_applied_twice(make_event, organizer):
    """Race day at the start: four phones, each 1,250 actions (kit pick-ups and check-ins of 150
    riders, by code or by entry, many riders scanned on several phones), sent at once in batches of
    500 and then their first batch again (a retry). Every action is recorded once, every retry is a
    duplicate, and each rider's times are the earliest applied scan's. 150 riders are seated through
    registration_create (~2 s): the concurrency is in the syncs, which meet at a barrier."""
    import random

    event = make_event(capacity=150)
    category = event.categories.get()
    seated = [registration_create(event=event, category=category, rider=UserFactory())[0] for _ in range(150)]
    codes = {r.pk: checkin_code(r) for r in seated}
    now = timezone.now()
    devices = {}
    for d in range(4):
        pick = random.Random(d)
        actions = []
        for i in range(1250):
            r = pick.choice(seated)
            at = now - datetime.timedelta(seconds=pick.randrange(1, 3600))
            by_code = pick.random() < 0.5
            actions.append(Scan(nonce=f"phone{d}-{i:05d}", action=pick.choice(["pickup", "checkin"]), at=at,
                                device=f"phone{d}", code=codes[r.pk] if by_code else "",
                                registration=None if by_code else r.pk))
        devices[d] = actions
    start, answers, errors = threading.Barrier(4), {}, []

    def phone(d):
        try:
            start.wait(timeout=30)
            actions = devices[d]
            got = []
            for batch in (actions[:500], actions[500:1000], actions[1000:], actions[:500]):
                got += checkins_sync(event=event, by=organizer, scans=batch)
            answers[d] = got
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone, args=(d,)) for d in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    for d in range(4):
        outcomes = [a.outcome for a in answers[d]]
        assert outcomes == ["applied"] * 1250 + ["duplicate"] * 500, d  # the retry changes nothing
    recorded = list(CheckinScan.objects.filter(event=event).values_list("nonce", "outcome"))
    sent = {s.nonce for actions in devices.values() for s in actions}
    assert len(recorded) == 5000 and {n for n, _ in recorded} == sent  # 0 lost, 0 twice
    assert {o for _, o in recorded} == {"applied"}
    for r in Registration.objects.filter(event=event):
        for action, field in (("checkin", "checked_in_at"), ("pickup", "picked_up_at")):
            times = [s.at for actions in devices.values() for s in actions if s.action == action
                     and (s.registration == r.pk or s.code == codes[r.pk])]
            assert getattr(r, field) == (min(times) if times else None), (r.pk, action)
