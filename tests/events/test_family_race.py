"""Issue 14 on PostgreSQL: families of three racing single riders for 10 seats: never more than 10
seated, every family all seated or none."""

import datetime
from collections import Counter

import pytest

from accounts.services import companion_create
from core.errors import ServiceError
from events.models import Registration
from events.services import registration_create, registrations_create_family
from tests.events.test_race import _in_threads
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_families_are_seated_whole_or_not_at_all_under_a_rush(make_event):
    event = make_event(categories=[{"name": "亲子组", "capacity": 10, "waitlist_enabled": False}])
    category = event.categories.get()
    parents = [UserFactory(date_of_birth=datetime.date(1985, 1, 1)) for _ in range(6)]
    families = {p.pk: [(companion_create(guardian=p, real_name=f"孩子{i}", gender="female",
                                         date_of_birth=datetime.date(2015, 1, 1)), {}) for i in range(2)]
                for p in parents}
    singles = [UserFactory() for _ in range(6)]

    def go(job):
        kind, who = job
        try:
            if kind == "family":
                registrations_create_family(category=category, adult=who, members=families[who.pk],
                                            guardian_consent=True)
            else:
                registration_create(event=event, category=category, rider=who)
        except ServiceError as error:
            return error.error_code
        return "ok"

    _results, errors = _in_threads(go, [("family", p) for p in parents] + [("single", s) for s in singles])
    assert errors == []
    seated = Registration.objects.filter(event=event, status="confirmed")
    assert seated.count() <= 10
    category.refresh_from_db()
    assert category.confirmed_count == seated.count()
    per_family = Counter(r.rider.guardian_id or r.rider_id for r in seated.select_related("rider")
                         if (r.rider.guardian_id or r.rider_id) in families)
    assert set(per_family.values()) <= {3}  # a family is seated whole or not at all
