"""Issue 14, deferral: where the organizer allows it, a confirmed rider defers to the next edition
before the deadline; the seat goes to the waitlist; the next edition gives each deferred rider a
free seat by a code only they can use."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import ServiceError
from core.models import Outbox
from core.outbox import send_due
from events.models import Registration
from events.services import deferral_codes_issue, registration_create, registration_defer
from tests.factories import UserFactory


@pytest.fixture
def edition(make_event):
    return make_event(title="2026太行山挑战赛", deferral_deadline=timezone.now() + datetime.timedelta(days=5),
                      categories=[{"name": "100公里", "capacity": 1, "waitlist_enabled": True}])


def test_a_deferral_frees_the_seat_and_the_next_edition_gives_one_back(client, edition, make_event, organizer):
    rider = UserFactory(email="rider@example.com")
    mine = registration_create(event=edition, category=edition.categories.get(), rider=rider)[0]
    waiting = registration_create(event=edition, category=edition.categories.get(), rider=UserFactory())[0]
    client.force_login(rider)
    assert 'id="defer"' in client.get(f"/events/registrations/{mine.pk}/").content.decode()
    client.post(f"/events/registrations/{mine.pk}/", {"action": "defer"})
    mine.refresh_from_db()
    assert mine.status == "cancelled" and mine.deferred_at is not None
    assert Registration.objects.get(pk=waiting.pk).status == "confirmed"  # the seat went to the waitlist
    following = make_event(title="2027太行山挑战赛", categories=[{"name": "100公里", "capacity": 3}])
    category = following.categories.get()
    client.force_login(organizer)
    page = client.get(f"/events/{following.slug}/codes/").content.decode()
    assert 'id="deferral-codes"' in page
    client.post(f"/events/{following.slug}/codes/", {"action": "deferrals", "from_event": edition.pk,
                                                      "category": category.pk})
    category.refresh_from_db()
    assert category.code_seats == 1
    mail.outbox.clear()
    send_due()
    code = following.entry_codes.get().code
    to_rider = [m for m in mail.outbox if m.to == ["rider@example.com"]]
    kinds = Outbox.objects.filter(object_id=mine.pk).values_list("kind", flat=True)
    assert {"deferred", "deferral_code"} <= set(kinds)  # told of the deferral, then of the new seat
    assert sum(code in m.body for m in to_rider) == 1
    with pytest.raises(ServiceError):  # someone else cannot use it
        registration_create(event=following, category=category, rider=UserFactory(), code=code)
    seat = registration_create(event=following, category=category, rider=rider, code=code)[0]
    assert seat.status == "confirmed"
    assert deferral_codes_issue(from_event=edition, category=category) == []  # issued once


def test_no_deferral_without_the_organizers_deadline(make_event):
    event = make_event(title="不可延期", categories=[{"name": "组", "capacity": 2}])
    mine = registration_create(event=event, category=event.categories.get(), rider=UserFactory())[0]
    with pytest.raises(ServiceError) as refused:
        registration_defer(registration=mine)
    assert refused.value.error_code == "deferral_closed"
    assert Registration.objects.get(pk=mine.pk).status == "confirmed"
