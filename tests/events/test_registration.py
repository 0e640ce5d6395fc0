"""Registration rules through the service: seats, waitlist, windows, eligibility, answers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ServiceError
from events import idcard
from events.models import Registration
from events.services import (
    bibs_renumber,
    event_registration_pause,
    registration_cancel,
    registration_change_category,
    registration_create,
    registration_transfer,
)
from tests.events.conftest import VALID_ID
from tests.factories import UserFactory


def register(event, rider, **kwargs):
    kwargs.setdefault("id_consent", True)  # the consent and the profile fill are tested on their own
    kwargs.setdefault("fill_profile", True)
    return registration_create(event=event, category=kwargs.pop("category", None) or event.categories.first(),
                               rider=rider, **kwargs)


def test_first_riders_are_confirmed_with_bibs_then_waitlisted(event, riders):
    results = [register(event, r)[0] for r in riders[:5]]
    assert [r.status for r in results] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [r.bib for r in results[:3]] == [1, 2, 3] and results[3].bib is None


def test_repeat_returns_the_same_registration(event, riders):
    first, created = register(event, riders[0])
    again, created_again = register(event, riders[0])
    assert created and not created_again and again.pk == first.pk
    assert Registration.objects.count() == 1


def test_one_active_registration_per_rider_is_a_database_rule(event, riders):
    register(event, riders[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, category=event.categories.first(), rider=riders[0],
                                    status="waitlisted", queued_at=timezone.now())


def test_full_category_without_waitlist_refuses_and_changes_nothing(make_event, riders):
    event = make_event(categories=[{"name": "A", "capacity": 1, "waitlist_enabled": False}])
    register(event, riders[0])
    with pytest.raises(ServiceError) as caught:
        register(event, riders[1])
    assert caught.value.error_code == "full"
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [({"opens_in_days": 1}, "closed"), ({"opens_in_days": -5, "closes_in_days": -1}, "closed"),
     ({"publish": False}, "closed")],
)
def test_window_closed_refuses(make_event, riders, fields, code):
    event = make_event(**fields)
    with pytest.raises(ServiceError) as caught:
        register(event, riders[0])
    assert caught.value.error_code == code
    assert not Registration.objects.exists()


def test_paused_registration_refuses_until_reopened(event, riders):
    event_registration_pause(event=event, paused=True)
    with pytest.raises(ServiceError) as caught:
        register(event, riders[0])
    assert caught.value.error_code == "closed"
    event_registration_pause(event=event, paused=False)
    assert register(event, riders[0])[0].status == "confirmed"


def test_age_limits_use_age_on_event_day(make_event):
    event = make_event(categories=[{"name": "U18", "capacity": 5, "min_age": 16, "max_age": 17}])
    event_day = timezone.localtime(event.starts_at).date()
    young = UserFactory(date_of_birth=event_day.replace(year=event_day.year - 16))  # 16 on the day
    old = UserFactory(date_of_birth=event_day.replace(year=event_day.year - 18))
    too_young = UserFactory(date_of_birth=event_day.replace(year=event_day.year - 16) + datetime.timedelta(days=1))
    unknown = UserFactory()
    assert register(event, young)[0].status == "confirmed"
    for rider, code in ((old, "too_old"), (too_young, "too_young"), (unknown, "age_unknown")):
        with pytest.raises(ServiceError) as caught:
            register(event, rider)
        assert caught.value.error_code == code


def test_gender_restriction(make_event):
    event = make_event(categories=[{"name": "女子组", "capacity": 5, "gender": "female"}])
    with pytest.raises(ServiceError, match=r"women|女"):
        register(event, UserFactory(gender="male"))
    assert register(event, UserFactory(gender="female"))[0].status == "confirmed"


def test_waiver_must_be_accepted(make_event, riders):
    event = make_event(waiver_text="我自愿参加。")
    with pytest.raises(ServiceError) as caught:
        register(event, riders[0])
    assert caught.value.error_code == "waiver"
    assert register(event, riders[0], accept_waiver=True)[0].waiver_accepted_at is not None


QUESTIONS = [
    {"key": "jersey", "label": "尺码", "kind": "choice", "required": True, "choices": ["S", "M", "L"]},
    {"key": "id", "label": "身份证", "kind": "national_id", "required": True},
    {"key": "weight", "label": "体重", "kind": "number"},
    {"key": "birthday", "label": "生日", "kind": "date"},
    {"key": "first", "label": "首次参赛", "kind": "yes_no"},
]


def test_answers_are_validated_and_normalised(make_event, riders):
    event = make_event(questions=QUESTIONS)
    his_id = "110105199001010010"  # born 1990-01-01 (the rider's profile), a man (odd 17th digit)
    registration, _ = register(event, riders[0], answers={"jersey": "M", "id": his_id, "weight": "68.5",
                                                          "birthday": "1990-01-01", "first": "yes"})
    assert registration.answers == {"jersey": "M", "id": his_id, "weight": 68.5, "birthday": "1990-01-01",
                                    "first": True}


@pytest.mark.parametrize(
    ("answers", "bad_key"),
    [({"id": VALID_ID}, "jersey"), ({"jersey": "XXL", "id": VALID_ID}, "jersey"),
     ({"jersey": "M", "id": "110105194912310021"}, "id"), ({"jersey": "M", "id": "12345"}, "id"),
     ({"jersey": "M", "id": VALID_ID, "weight": "heavy"}, "weight"),
     ({"jersey": "M", "id": VALID_ID, "birthday": "31/12/1990"}, "birthday"),
     ({"jersey": "M", "id": VALID_ID, "first": "maybe"}, "first"),
     ({"jersey": "M", "id": VALID_ID, "nonsense": "x"}, "nonsense")],
)
def test_bad_answers_are_refused_and_nothing_is_stored(make_event, riders, answers, bad_key):
    event = make_event(questions=QUESTIONS)
    with pytest.raises(ValidationError) as caught:
        register(event, riders[0], answers=answers)
    assert bad_key in caught.value.message_dict
    assert not Registration.objects.exists()


def test_national_id_checksum_and_mask():
    assert idcard.is_valid(VALID_ID) and idcard.is_valid("110105194912310037") is False
    assert idcard.is_valid("110105194902300028") is False  # 30 February
    assert idcard.mask(VALID_ID) == "1101**********002X"


def test_cancel_promotes_exactly_one_waitlisted_rider_in_order(event, riders, django_capture_on_commit_callbacks):
    regs = [register(event, r)[0] for r in riders[:5]]
    with django_capture_on_commit_callbacks(execute=False):
        registration_cancel(registration=regs[1])
    statuses = {r.pk: r.status for r in Registration.objects.all()}
    assert statuses[regs[1].pk] == "cancelled"
    assert statuses[regs[3].pk] == "confirmed" and statuses[regs[4].pk] == "waitlisted"
    assert Registration.objects.filter(status="confirmed").count() == 3
    promoted = Registration.objects.get(pk=regs[3].pk)
    assert promoted.bib == 4  # the freed bib is not reused for someone else's
    assert registration_cancel(registration=regs[1]).status == "cancelled"  # twice changes nothing
    assert Registration.objects.filter(status="confirmed").count() == 3


def test_cancelling_a_waitlisted_rider_promotes_nobody(event, riders):
    regs = [register(event, r)[0] for r in riders[:5]]
    registration_cancel(registration=regs[4])
    assert Registration.objects.get(pk=regs[3].pk).status == "waitlisted"


def test_switch_category_follows_the_same_rules(make_event, riders):
    event = make_event(categories=[{"name": "A", "capacity": 1}, {"name": "B", "capacity": 1}])
    a, b = event.categories.all()
    first = register(event, riders[0], category=a)[0]
    second = register(event, riders[1], category=a)[0]  # waitlisted in A
    moved = registration_change_category(registration=first, category=b)
    assert (moved.category_id, moved.status, moved.bib) == (b.pk, "confirmed", b.bib_start)
    assert Registration.objects.get(pk=second.pk).status == "confirmed"  # promoted into A's freed seat
    third = register(event, riders[2], category=a)[0]
    assert registration_change_category(registration=third, category=b).status == "waitlisted"


def test_transfer_before_deadline_keeps_seat_and_bib(make_event, riders):
    from events.services import transfer_accept
    event = make_event(transfer_deadline=timezone.now() + datetime.timedelta(days=1))
    registration = register(event, riders[0])[0]
    offer = registration_transfer(registration=registration, to_rider=riders[1])
    assert Registration.objects.get(pk=registration.pk).rider == riders[0]  # nothing moves before acceptance
    moved = transfer_accept(offer=offer, rider=riders[1])
    assert (moved.rider, moved.bib, moved.status, moved.transferred_from) == (riders[1], 1, "confirmed", riders[0])
    with pytest.raises(ServiceError):  # riders[1] now holds it; riders[1] cannot receive a second one
        registration_transfer(registration=register(event, riders[2])[0], to_rider=riders[1])


def test_transfer_after_deadline_is_refused(make_event, riders):
    event = make_event(transfer_deadline=timezone.now() - datetime.timedelta(minutes=1))
    registration = register(event, riders[0])[0]
    with pytest.raises(ServiceError) as caught:
        registration_transfer(registration=registration, to_rider=riders[1])
    assert caught.value.error_code == "transfer_closed"
    assert Registration.objects.get().rider == riders[0]


def test_bibs_are_unique_per_event_and_renumbered_in_bulk(make_event, riders):
    event = make_event(categories=[{"name": "A", "capacity": 3}, {"name": "B", "capacity": 3}])
    a, b = event.categories.all()
    assert (a.bib_start, a.bib_end, b.bib_start, b.bib_end) == (1, 1000, 1001, 2000)
    regs = [register(event, r, category=a if i % 2 else b)[0] for i, r in enumerate(riders)]
    registration_cancel(registration=regs[1])
    bibs = sorted(Registration.objects.filter(status="confirmed").values_list("bib", flat=True))
    assert len(bibs) == len(set(bibs)) == 5
    assert bibs_renumber(event=event) == 5
    after = sorted(Registration.objects.filter(status="confirmed").values_list("bib", flat=True))
    assert after == [1, 2, 1001, 1002, 1003]


def test_overlapping_bib_ranges_are_refused(organizer):
    from events.services import event_create

    now = timezone.now()
    with pytest.raises(ValidationError):
        event_create(created_by=organizer, title="x", kind="race", starts_at=now, ends_at=now,
                     registration_opens_at=now, registration_closes_at=now,
                     categories=[{"name": "A", "capacity": 5, "bib_start": 1, "bib_end": 100},
                                 {"name": "B", "capacity": 5, "bib_start": 50, "bib_end": 200}])


def test_more_capacity_promotes_the_waitlist_in_order(make_event, riders):
    from events.services import category_update

    event = make_event(capacity=2)
    regs = [register(event, r)[0] for r in riders[:5]]
    category = category_update(category=event.categories.first(), capacity=4)
    assert category.confirmed_count == 4
    statuses = [Registration.objects.get(pk=r.pk).status for r in regs]
    assert statuses == ["confirmed"] * 4 + ["waitlisted"]
    assert register(event, riders[5])[0].status == "waitlisted"  # the counter the claim uses moved too


def test_organizer_sets_bib_range_and_overlap_is_refused(client, make_event, organizer):
    event = make_event(categories=[{"name": "A", "capacity": 5}, {"name": "B", "capacity": 5}])
    a, _b = event.categories.all()
    client.force_login(organizer)
    url = f"/events/{event.slug}/categories/{a.pk}/"
    form = {"capacity": 5, "waitlist_enabled": "on", "bib_start": 101, "bib_end": 200, "fee_cny": "0", "gender": ""}
    assert client.post(url, form).status_code == 302
    a.refresh_from_db()
    assert (a.bib_start, a.bib_end, a.next_bib) == (101, 200, 101)
    response = client.post(url, form | {"bib_start": 900, "bib_end": 1500})
    assert response.status_code == 200 and "重叠" in response.content.decode()
    a.refresh_from_db()
    assert a.bib_start == 101
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_event_slug_never_takes_a_page_of_the_events_section(make_event):
    for title in ("new", "mine", "feed"):
        event = make_event(title=title)
        assert event.slug == f"event-{title}"
