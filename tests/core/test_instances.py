"""core.instances.new builds what the keyword constructor builds: every field, the related objects
cached (no query to read them back), a fresh mutable default each time, a row that saves."""

import datetime

import pytest
from django.utils import timezone

from core import instances
from events.models import Category, Event, Registration
from tests.factories import UserFactory


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_same_instance_as_the_keyword_constructor(event, rider, django_assert_num_queries):
    category = event.categories.get()
    now = timezone.now()
    for values in (
        {"event": event, "category": category, "rider": rider, "answers": {"size": "M"}, "queued_at": now,
         "waiver_accepted_at": now, "checkin_key": "k" * 16, "id_consent_at": None, "price_fen": 12000,
         "coupon": None, "discount_fen": 0, "insurance": "event"},
        {"event_id": event.pk, "category_id": category.pk, "rider_id": rider.pk, "queued_at": now,
         "status": Registration.Status.WAITLISTED, "bib": 7},
        {"event": event, "category": category, "rider": rider, "queued_at": now},
    ):
        made, expected = instances.new(Registration, **values), Registration(**values)
        assert _fields(made) == _fields(expected)
        assert made._state.adding and made._state.db is None and made.pk is None
        with django_assert_num_queries(0):  # the objects given are cached, as the descriptors cache them
            for name in ("event", "category", "rider"):
                if name in values:
                    assert getattr(made, name) is values[name]
            if "coupon" in values:
                assert made.coupon is None


def test_a_mutable_default_is_fresh_and_the_row_saves(event):
    category = event.categories.get()
    first = instances.new(Registration, event=category.event, category=category, rider=UserFactory(),
                          queued_at=timezone.now(), status=Registration.Status.CONFIRMED)
    second = instances.new(Registration, event=category.event, category=category, rider=UserFactory(),
                           queued_at=timezone.now(), status=Registration.Status.CONFIRMED)
    assert first.answers == {} and first.answers is not second.answers
    first.answers["size"] = "L"
    assert second.answers == {}
    first.save(force_insert=True)
    assert Registration.objects.get(pk=first.pk).answers == {"size": "L"}


def test_an_unknown_field_is_refused_and_other_models_work():
    with pytest.raises(KeyError):
        instances.new(Registration, no_such_field=1)
    event = instances.new(Event, slug="x", title="X", starts_at=timezone.now(),
                          ends_at=timezone.now() + datetime.timedelta(hours=2))
    expected = Event(slug="x", title="X", starts_at=event.starts_at, ends_at=event.ends_at)
    made, wanted = _fields(event), _fields(expected)
    assert made.pop("helper_key") != wanted.pop("helper_key")  # a callable default: called for each instance
    assert made == wanted
    assert isinstance(instances.new(Category, name="100 km", capacity=5), Category)
