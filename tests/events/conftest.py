"""Fixtures for the event tests."""

import datetime

import pytest
from django.utils import timezone

from events.services import event_create, event_publish
from tests.factories import UserFactory

VALID_ID = "11010519491231002X"  # the GB 11643 standard's own example number


@pytest.fixture
def make_event(organizer):
    def _make(*, capacity=3, categories=None, questions=None, publish=True, opens_in_days=-1, closes_in_days=10,
              starts_in_days=20, **fields):
        now = timezone.now()
        event = event_create(
            created_by=organizer, title=fields.pop("title", "测试骑行"), kind=fields.pop("kind", "sportive"),
            starts_at=now + datetime.timedelta(days=starts_in_days),
            ends_at=now + datetime.timedelta(days=starts_in_days, hours=5),
            registration_opens_at=now + datetime.timedelta(days=opens_in_days),
            registration_closes_at=now + datetime.timedelta(days=closes_in_days),
            categories=categories or [{"name": "60公里", "name_en": "60 km", "capacity": capacity}],
            questions=questions or [], **fields)
        if publish:
            event_publish(event=event)
        return event
    return _make


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def riders(db):
    return [UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="male") for _ in range(6)]
