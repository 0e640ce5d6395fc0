"""Issue 14 on PostgreSQL: riders racing for one single-use code (and for a 3-use one): exactly as many
registrations as uses, every other rider refused with "used up", no seat lost."""

from decimal import Decimal

import pytest

from core.errors import ServiceError
from events.models import EntryCode, Registration
from events.services import entry_codes_create, registration_create
from tests.events.test_race import _in_threads
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("uses", [1, 3])
def test_a_code_is_used_no_more_than_it_allows_under_a_race(make_event, uses):
    event = make_event(categories=[{"name": "邀请组", "capacity": 10, "fee_cny": Decimal("0")}])
    category = event.categories.get()
    [code] = entry_codes_create(event=event, category=category, count=1, uses=uses, reserve=True)
    riders = [UserFactory() for _ in range(20)]

    def use(rider):
        try:
            return registration_create(event=event, category=category, rider=rider, code=code.code)[0].status
        except ServiceError as error:
            return error.error_code

    results, errors = _in_threads(use, riders)
    assert errors == []
    assert results.count("confirmed") == uses and results.count("code_used") == 20 - uses
    assert Registration.objects.filter(entry_code=code).count() == uses
    code.refresh_from_db()
    category.refresh_from_db()
    assert code.uses == uses and category.confirmed_count == uses and category.code_seats == 0
    assert EntryCode.objects.get(pk=code.pk).uses <= EntryCode.objects.get(pk=code.pk).uses_allowed
