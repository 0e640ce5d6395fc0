"""A past event's participation recorded through the events services (the demo's synthetic history
and an organizer's previous platform): all or none, refused for an event still to come."""

import datetime

import pytest
from django.utils import timezone

from core.errors import ServiceError
from core.models import StatusChange
from events.models import Registration
from events.services import PastEntry, event_complete, registrations_record_past
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(make_event):
    return make_event(starts_in_days=-10, opens_in_days=-40, closes_in_days=-12, capacity=5)


def _at(event, days):
    return event.starts_at - datetime.timedelta(days=days)


def test_past_entries_are_recorded_with_bibs_check_ins_results_and_history(past):
    riders = [UserFactory() for _ in range(4)]
    entries = [PastEntry(riders[0], "confirmed", _at(past, 9), checked_in=True, result="02:31:00"),
               PastEntry(riders[1], "confirmed", _at(past, 8), checked_in=True, result="dnf"),
               PastEntry(riders[2], "cancelled", _at(past, 7)),
               PastEntry(riders[3], "waitlisted", _at(past, 6))]
    category = past.categories.get()
    assert registrations_record_past(category=category, entries=entries) == 4
    event_complete(event=past)
    rows = {r.rider_id: r for r in Registration.objects.filter(event=past)}
    assert [rows[r.pk].bib for r in riders] == [1, 2, None, None]
    assert rows[riders[0].pk].checked_in_at == past.starts_at and rows[riders[1].pk].result == "dnf"
    assert rows[riders[0].pk].created_at == _at(past, 9)  # the sign-up's own time
    category.refresh_from_db()
    assert (category.confirmed_count, category.next_bib) == (2, 3)
    moves = set(StatusChange.objects.filter(subject="events.registration").values_list("object_id", "from_status",
                                                                                         "to_status"))
    cancelled = rows[riders[2].pk].pk
    assert (cancelled, "", "confirmed") in moves and (cancelled, "confirmed", "cancelled") in moves


@pytest.mark.parametrize(("entry", "code"), [
    ({"status": "cancelled", "checked_in": True}, "past_entry"),
    ({"status": "confirmed", "result": "02:00:00"}, "past_entry"),
    ({"status": "held"}, "past_entry"),
])
def test_an_impossible_entry_refuses_them_all(past, entry, code):
    good = PastEntry(UserFactory(), "confirmed", _at(past, 5))
    bad = PastEntry(UserFactory(), entry.pop("status"), _at(past, 4), **entry)
    with pytest.raises(ServiceError) as refused:
        registrations_record_past(category=past.categories.get(), entries=[good, bad])
    assert refused.value.code == code and not Registration.objects.filter(event=past).exists()


def test_an_event_still_to_come_or_already_recorded_is_refused(make_event, past):
    coming = make_event()
    with pytest.raises(ServiceError) as refused:
        registrations_record_past(category=coming.categories.get(),
                                  entries=[PastEntry(UserFactory(), "confirmed", timezone.now())])
    assert refused.value.code == "not_ended"
    registrations_record_past(category=past.categories.get(), entries=[PastEntry(UserFactory(), "confirmed",
                                                                                 _at(past, 3))])
    with pytest.raises(ServiceError) as again:
        registrations_record_past(category=past.categories.get(), entries=[PastEntry(UserFactory(), "confirmed",
                                                                                     _at(past, 2))])
    assert again.value.code == "has_entries" and Registration.objects.filter(event=past).count() == 1
