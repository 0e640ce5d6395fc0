"""Issue 10: a team entry holds seats; each member confirms with their own answers and waiver;
nothing of a member reaches the organizer before that; unconfirmed seats go back."""

import datetime

import pytest
from django.utils import timezone

from clubs.services import team_entry_create
from core.errors import ServiceError
from events.models import Registration
from events.services import (
    registration_create,
    registration_hold_confirm,
    registration_hold_decline,
    registrations_holds_expire,
)

PRIVATE = {"emergency_contact_name": "家属甲乙", "emergency_contact_phone": "+8613811112222"}
QUESTIONS = [{"key": "idno", "label": "身份证号", "kind": "national_id", "required": True}]
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def team_event(make_event):
    return make_event(capacity=3, questions=QUESTIONS, waiver_text="风险自担")


def _private_member(world):
    member = world["member"]
    for name, value in PRIVATE.items():
        setattr(member, name, value)
    member.date_of_birth = datetime.date(1949, 12, 31)
    member.save()
    return member


def test_held_member_is_invisible_to_the_organizer_until_they_confirm(client, world, team_event, organizer):
    member = _private_member(world)
    category = team_event.categories.get()
    [held] = team_entry_create(club=world["club"], category=category, members=[member])
    assert held.status == "held" and held.waiver_accepted_at is None and held.answers == {}
    client.force_login(organizer)
    pages = [client.get(f"/events/{team_event.slug}/manage/").content.decode(),
             client.get(f"/api/v1/events/{team_event.slug}/roster/").content.decode()]
    for kind in ("roster", "insurance", "checkin"):
        response = client.get(f"/events/{team_event.slug}/export/{kind}.csv")
        pages.append((b"".join(response.streaming_content) if response.streaming else response.content).decode())
    assert not any(value in page for page in pages for value in [*PRIVATE.values(), "1949-12-31", member.username])

    # the member confirms on their own page: waiver and their ID are required
    client.force_login(member)
    page = client.get(f"/events/registrations/{held.pk}/").content.decode()
    assert 'id="hold-confirm"' in page
    client.post(f"/events/registrations/{held.pk}/", {"action": "confirm", "q_idno": ID_NUMBER})
    assert Registration.objects.get(pk=held.pk).status == "held"  # no waiver: nothing changed
    client.post(f"/events/registrations/{held.pk}/", {"action": "confirm", "q_idno": ID_NUMBER,
                                                       "accept_waiver": "on", "id_consent": "on", "fill_profile": "on"})
    held.refresh_from_db()
    assert held.status == "confirmed" and held.waiver_accepted_at and held.answers == {"idno": ID_NUMBER}
    client.force_login(organizer)
    response = client.get(f"/events/{team_event.slug}/export/insurance.csv")
    insurance = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    assert PRIVATE["emergency_contact_name"] in insurance and ID_NUMBER in insurance


def test_confirming_checks_the_rules_again(world, team_event):
    [held] = team_entry_create(club=world["club"], category=team_event.categories.get(), members=[world["member"]])
    with pytest.raises(ServiceError) as caught:
        registration_hold_confirm(registration=held, answers={"idno": ID_NUMBER}, accept_waiver=False)
    assert caught.value.error_code == "waiver"
    with pytest.raises(ServiceError):
        registration_hold_confirm(registration=held, answers={}, accept_waiver=True)  # the required ID
    assert Registration.objects.get(pk=held.pk).status == "held"


def test_declined_and_expired_holds_free_their_seats_for_the_waitlist(world, make_event, riders):
    event = make_event(capacity=2, categories=[{"name": "短途", "capacity": 2, "waitlist_enabled": True}])
    category = event.categories.get()
    first, second = team_entry_create(club=world["club"], category=category, members=[world["member"],
                                                                                       world["admin"]])
    waiting = [registration_create(event=event, category=category, rider=r)[0] for r in riders[:2]]
    assert [w.status for w in waiting] == ["waitlisted", "waitlisted"]
    registration_hold_decline(registration=first)
    assert not Registration.objects.filter(pk=first.pk).exists()
    assert Registration.objects.get(pk=waiting[0].pk).status == "confirmed"
    assert registrations_holds_expire(now=timezone.now()) == 0  # not yet due
    assert registrations_holds_expire(now=second.hold_expires_at + datetime.timedelta(seconds=1)) == 1
    assert not Registration.objects.filter(pk=second.pk).exists()
    assert Registration.objects.get(pk=waiting[1].pk).status == "confirmed"
    category.refresh_from_db()
    assert category.confirmed_count == 2


def test_a_hold_cannot_be_confirmed_after_its_deadline(world, team_event):
    [held] = team_entry_create(club=world["club"], category=team_event.categories.get(), members=[world["member"]])
    Registration.objects.filter(pk=held.pk).update(hold_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ServiceError) as caught:
        registration_hold_confirm(registration=held, answers={"idno": ID_NUMBER}, accept_waiver=True)
    assert caught.value.error_code == "hold_expired"


def test_hold_deadline_never_after_registration_closes(world, make_event):
    event = make_event(closes_in_days=1)
    [held] = team_entry_create(club=world["club"], category=event.categories.get(), members=[world["member"]])
    assert held.hold_expires_at == event.registration_closes_at
