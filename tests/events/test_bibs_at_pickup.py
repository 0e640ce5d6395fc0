"""Issue 28: bib pools. A category gives bibs at registration (in order, passing over its reserved
numbers and lost bibs) or at kit pick-up (the helper records the bib handed out); a lost bib is
recorded and replaced (by one of the reserved spares where bibs are given at registration) and never
given again; chip tags handed out at pick-up; a bib or a tag never held twice in an event, also
when two devices give the same one at once (PostgreSQL, with a negative control)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from events import testutils
from events.models import ChipTag, LostBib, Registration
from events.selectors.raceday import device_start_list
from events.services import Scan, bibs_renumber, checkins_sync, registration_cancel, registration_create
from tests.factories import UserFactory

_count = iter(range(1, 10**6))


def _give(registration, action="pickup", *, bib=None, chips=(), device="phone-a"):
    return Scan(nonce=f"{device}-{next(_count):06d}", action=action, device=device, registration=registration.pk,
                at=timezone.now() - datetime.timedelta(minutes=5), bib=bib, chips=tuple(chips))


def _sync(event, organizer, *scans):
    return [(a.outcome, a.reason) for a in checkins_sync(event=event, by=organizer, scans=list(scans))]


@pytest.fixture
def at_pickup(make_event, riders):
    event = make_event(categories=[{"name": "100公里", "capacity": 5, "bib_start": 101, "bib_end": 200,
                                    "bib_at": "pickup"}])
    category = event.categories.get()
    return event, [registration_create(event=event, category=category, rider=r)[0] for r in riders[:5]]


def test_bibs_given_at_pick_up_are_the_ones_the_helper_records(at_pickup, organizer):
    event, (first, second, third, *_) = at_pickup
    assert {r.bib for r in (first, second, third)} == {None}  # nothing given at registration
    assert _sync(event, organizer, _give(first)) == [("refused", "bib_needed")]
    assert _sync(event, organizer, _give(first, bib=99), _give(first, bib=201)) == [
        ("refused", "bib_out_of_range")] * 2
    assert _sync(event, organizer, _give(first, bib=150), _give(second, bib=150)) == [
        ("applied", ""), ("refused", "bib_taken")]  # one number, one rider, within a batch too
    assert _sync(event, organizer, _give(third, bib=150)) == [("refused", "bib_taken")]
    first.refresh_from_db()
    assert (first.bib, first.picked_up_at is not None) == (150, True)
    assert _sync(event, organizer, _give(first, bib=150)) == [("applied", "")]  # the same bib again: fine
    assert _sync(event, organizer, _give(first, bib=151)) == [("refused", "bib_mismatch")]
    listing = {r.pk: r.bib for r in device_start_list(event=event).entries}
    assert listing[first.pk] == 150 and listing[second.pk] is None
    assert bibs_renumber(event=event) == 0 and Registration.objects.get(pk=first.pk).bib == 150  # kept


def test_reserved_numbers_are_passed_over_and_serve_as_spares_for_lost_bibs(make_event, riders, organizer):
    event = make_event(categories=[{"name": "60公里", "capacity": 4, "bib_start": 1, "bib_end": 100,
                                    "bib_reserved": "2-3, 6"}])
    category = event.categories.get()
    seats = [registration_create(event=event, category=category, rider=r)[0] for r in riders[:5]]
    assert [r.bib for r in seats[:4]] == [1, 4, 5, 7] and seats[4].status == "waitlisted"
    first = seats[0]
    assert _sync(event, organizer, _give(first, "rebib", bib=50)) == [("refused", "bib_not_spare")]
    assert _sync(event, organizer, _give(first, "rebib", bib=2)) == [("applied", "")]
    first.refresh_from_db()
    assert first.bib == 2
    lost = LostBib.objects.get(event=event)
    assert (lost.bib, lost.registration_id, lost.replaced_by, lost.by) == (1, first.pk, 2, organizer)
    assert _sync(event, organizer, _give(seats[1], "rebib", bib=1)) == [("refused", "bib_lost")]
    registration_cancel(registration=seats[1])  # bib 4 freed; the waiting rider is promoted
    promoted = Registration.objects.get(pk=seats[4].pk)
    assert promoted.status == "confirmed" and promoted.bib not in (1, 2, 3, 4, 6)
    assert bibs_renumber(event=event) == 4
    assert sorted(Registration.objects.filter(event=event).exclude(bib=None).values_list("bib", flat=True)) == [
        4, 5, 7, 8]  # in order again, passing over the reserved 2, 3, 6 and the lost 1


def test_chip_tags_handed_out_at_pick_up(at_pickup, organizer):
    event, (first, second, *_) = at_pickup
    assert _sync(event, organizer, _give(first, bib=101, chips=["e200-0001"])) == [("applied", "")]
    assert ChipTag.objects.get(tag="E2000001").registration_id == first.pk
    assert _sync(event, organizer, _give(second, bib=102, chips=["E2000001"])) == [("refused", "chip_taken")]
    assert _sync(event, organizer, _give(second, bib=102, chips=["E2!"])) == [("refused", "chip_invalid")]
    assert _sync(event, organizer, _give(first, bib=101, chips=["E2000002", "E2000003"])) == [
        ("refused", "too_many_chips")]
    second.refresh_from_db()
    assert second.bib is None and not ChipTag.objects.filter(registration=second).exists()  # refused whole


def test_the_api_takes_the_bib_and_the_chips_and_answers_in_the_callers_language(client, at_pickup, organizer):
    from rest_framework.authtoken.models import Token

    event, (first, *_) = at_pickup
    token = Token.objects.create(user=organizer)
    body = {"scans": [{"nonce": "phone-z-0001", "action": "pickup", "registration": first.pk, "bib": 250,
                       "at": (timezone.now() - datetime.timedelta(minutes=2)).isoformat()},
                      {"nonce": "phone-z-0002", "action": "pickup", "registration": first.pk, "bib": 120,
                       "chips": ["E2000009"], "at": (timezone.now() - datetime.timedelta(minutes=1)).isoformat()}]}
    answer = client.post(f"/api/v1/events/{event.slug}/checkins/sync/", body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["outcome"] for r in results] == ["refused", "applied"] and "号码范围" in results[0]["message"]
    first.refresh_from_db()
    assert first.bib == 120 and list(first.chips.values_list("tag", flat=True)) == ["E2000009"]
    bad = {"scans": [{**body["scans"][0], "nonce": "phone-z-0003", "bib": 0}]}
    assert client.post(f"/api/v1/events/{event.slug}/checkins/sync/", bad, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 400


def _race(event, organizer, scans_by_device):
    """Each device's batch synced at once; both parked after their checks, before their writes."""
    park = threading.Barrier(len(scans_by_device), timeout=10)
    answers, errors = {}, []

    def device(name, scans):
        try:
            answers[name] = _sync(event, organizer, *scans)
        except Exception as error:  # every error counts against the test
            errors.append(error)
        finally:
            connections.close_all()

    parked = set()

    def checked():
        if threading.get_ident() in parked:  # a batch read again after the other wrote: no waiting now
            return
        parked.add(threading.get_ident())
        park.wait()

    testutils.sync_checked = checked
    try:
        threads = [threading.Thread(target=device, args=item) for item in scans_by_device.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        testutils.sync_checked = testutils._nothing
    return answers, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("constraint", [True, False], ids=["as-built", "negative-control-without-constraint"])
def test_two_devices_give_one_bib_and_one_tag_at_once_one_rider_gets_them(make_event, organizer, constraint):
    event = make_event(categories=[{"name": "100公里", "capacity": 4, "bib_start": 1, "bib_end": 100,
                                    "bib_at": "pickup"}])
    category = event.categories.get()
    first, second = (registration_create(event=event, category=category, rider=UserFactory())[0] for _ in range(2))
    dropped = not constraint
    if dropped:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX bib_unique_per_event")  # a partial unique index in PostgreSQL
            cursor.execute("ALTER TABLE events_chiptag DROP CONSTRAINT chip_tag_once_per_event")
    try:
        answers, errors = _race(event, organizer, {
            "phone-a": [_give(first, bib=7, chips=["E2000077"], device="phone-a")],
            "phone-b": [_give(second, bib=7, chips=["E2000077"], device="phone-b")]})
        assert errors == []
        holders = list(Registration.objects.filter(event=event, bib=7).values_list("pk", flat=True))
        tags = list(ChipTag.objects.filter(event=event, tag="E2000077").values_list("registration_id", flat=True))
        if constraint:
            assert sorted(answers.values()) == [[("applied", "")], [("refused", "bib_taken")]]
            assert len(holders) == 1 and tags == holders  # one rider holds both
        else:  # the checks alone let both through: the race is real, the constraints are what stop it
            assert sorted(answers.values()) == [[("applied", "")], [("applied", "")]]
            assert len(holders) == 2 and len(tags) == 2
    finally:
        if dropped:
            Registration.objects.filter(pk=second.pk).update(bib=None)
            ChipTag.objects.filter(registration=second).delete()
            with connection.cursor() as cursor:
                cursor.execute("CREATE UNIQUE INDEX bib_unique_per_event ON events_registration (event_id, bib) "
                               "WHERE bib IS NOT NULL")
                cursor.execute("ALTER TABLE events_chiptag ADD CONSTRAINT chip_tag_once_per_event "
                               "UNIQUE (event_id, tag)")
