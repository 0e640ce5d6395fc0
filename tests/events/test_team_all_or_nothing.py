"""Issue 14, team entries done right: each member confirms with their own answers and waiver before
their seat is theirs; where the organizer chose "all or nothing", the seats become the team's only
when every member has confirmed, and one member who declines or lets the deadline pass frees the
whole team's seats."""

import datetime

import pytest
from django.utils import timezone

from events.models import Registration
from events.services import (
    registration_create,
    registration_hold_confirm,
    registration_hold_decline,
    registrations_create_group,
    registrations_holds_expire,
)
from tests.factories import UserFactory


@pytest.fixture
def team_event(make_event):
    def make(all_or_nothing):
        event = make_event(title="团队赛", waiver_text="自愿参加。", team_all_or_nothing=all_or_nothing,
                           categories=[{"name": "团队组", "capacity": 6, "waitlist_enabled": True}])
        return event, event.categories.get()
    return make


def test_all_or_nothing_seats_come_together_when_everyone_has_confirmed(team_event, client):
    _event, category = team_event(True)
    members = [UserFactory(), UserFactory(), UserFactory()]
    held = registrations_create_group(category=category, riders=members)
    assert registration_hold_confirm(registration=held[0], accept_waiver=True).status == "held"
    client.force_login(members[0])
    assert 'id="team-waiting"' in client.get(f"/events/registrations/{held[0].pk}/").content.decode()
    assert registration_hold_confirm(registration=held[1], accept_waiver=True).status == "held"
    last = registration_hold_confirm(registration=held[2], accept_waiver=True)
    assert last.status == "confirmed"
    assert set(Registration.objects.filter(team_key=held[0].team_key).values_list("status", flat=True)) == {
        "confirmed"}


def test_one_member_declining_frees_the_whole_teams_seats(team_event):
    event, category = team_event(True)
    held = registrations_create_group(category=category, riders=[UserFactory(), UserFactory()])
    waiting = [registration_create(event=event, category=category, rider=UserFactory(), accept_waiver=True)[0]
               for _ in range(5)]
    assert [w.status for w in waiting] == ["confirmed"] * 4 + ["waitlisted"]
    registration_hold_confirm(registration=held[0], accept_waiver=True)
    registration_hold_decline(registration=held[1])
    assert not Registration.objects.filter(pk__in=[h.pk for h in held]).exists()  # both seats went back
    assert Registration.objects.get(pk=waiting[-1].pk).status == "confirmed"  # to the waitlist
    category.refresh_from_db()
    assert category.confirmed_count == 5


def test_the_deadline_passing_frees_the_whole_team(team_event):
    _event, category = team_event(True)
    held = registrations_create_group(category=category, riders=[UserFactory(), UserFactory()])
    registration_hold_confirm(registration=held[0], accept_waiver=True)
    Registration.objects.filter(pk=held[1].pk).update(hold_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert registrations_holds_expire() == 2
    assert not Registration.objects.filter(category=category).exists()


def test_without_all_or_nothing_each_member_stands_alone(team_event):
    _event, category = team_event(False)
    held = registrations_create_group(category=category, riders=[UserFactory(), UserFactory()])
    assert registration_hold_confirm(registration=held[0], accept_waiver=True).status == "confirmed"
    registration_hold_decline(registration=held[1])
    assert Registration.objects.get(pk=held[0].pk).status == "confirmed"
