"""A team entry racing single sign-ups on PostgreSQL: the team gets every seat or none."""

import pytest

from clubs.models import Membership
from clubs.services import club_create, team_entry_create
from core.errors import ServiceError
from events import services
from events.models import Registration
from tests.events.test_race import _in_threads
from tests.factories import UserFactory
from tests.helpers import join

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("capacity", [10, 8])
def test_team_entry_under_a_rush_is_all_or_nothing(make_event, capacity):
    owner = UserFactory()
    club = club_create(founder=owner, name="比赛车队")
    team = [UserFactory() for _ in range(5)]
    for member in team:
        join(club=club, user=member)
    event = make_event(capacity=capacity)
    category = event.categories.get()
    singles = [UserFactory() for _ in range(20)]

    def act(item):
        if item == "team":
            try:
                return team_entry_create(club=club, category=category, members=team)
            except ServiceError as refused:
                return refused
        return services.registration_create(event=event, category=category, rider=item)[0]

    results, errors = _in_threads(act, [*singles[:10], "team", *singles[10:]], workers=21)
    assert errors == []
    confirmed = Registration.objects.filter(event=event, status__in=Registration.SEATED)  # team seats are held
    team_seats = confirmed.filter(rider__in=team).count()
    assert team_seats in (0, 5)  # all or nothing, whatever the interleaving
    assert confirmed.filter(rider__in=team, status="held").count() == team_seats  # each member confirms later
    assert confirmed.count() == capacity  # the rush fills every seat, never one more
    refusals = [r for r in results if isinstance(r, ServiceError)]
    assert (team_seats == 0) == bool(refusals)
    if refusals:
        assert refusals[0].error_code == "not_enough_seats"
    category.refresh_from_db()
    assert category.confirmed_count == capacity
    bibs = list(confirmed.values_list("bib", flat=True))
    assert len(set(bibs)) == len(bibs)
    assert Membership.objects.filter(club=club, state="active").count() == 6
