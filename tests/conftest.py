"""Suite-wide fixtures."""

import datetime
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from tests.demo_snapshot import replica_role
from tests.factories import UserFactory
from tests.helpers import make_gpx
from tests.own_redis import redis_outage  # noqa: F401 (a fixture: a Redis of the test's own, to stop)
from tests.own_store import object_store  # noqa: F401 (a fixture: a bucket of the test's own)

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _flush_by_delete() -> None:
    """A transactional test (browser, race) ends with a flush of every table. PostgreSQL's TRUNCATE
    of our 54 tables takes ~0.3 s whatever they hold; deleting the rows (foreign keys are deferred
    to the commit) takes a few milliseconds for a test's few rows. Sequences are reset the
    original way when a test asks for it.

    The rows migrate made for every model (content types and permissions, what post_migrate
    creates) are kept, so the flush need not send post_migrate to make them again: that re-creation
    took ~20 s of every run's worker time (~0.07 s a test, issue 26). A test that changes them
    would leave its changes behind: none does (tests/test_flush.py checks they are the migrated ones)."""
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    emit = flush.emit_post_migrate_signal
    kept = {"django_content_type", "auth_permission"}
    deleted = {"only": False}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            deleted["only"] = False
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deleted["only"] = True
        return ["SET CONSTRAINTS ALL DEFERRED", *replica_role(self.connection),
                *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))}" for t in tables
                  if t not in kept)]

    def emit_post_migrate_signal(*args, **kwargs):
        if not deleted["only"]:
            emit(*args, **kwargs)

    DatabaseOperations.sql_flush = sql_flush
    flush.emit_post_migrate_signal = emit_post_migrate_signal


if ON_POSTGRES:
    _flush_by_delete()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and heartbeats live in the cache, sign-up data in a per-process cache; each
    test starts with both empty (ids are reused after a test's rollback)."""
    from events.selectors import signup_cache_clear

    cache.clear()
    signup_cache_clear()
    yield
    cache.clear()
    signup_cache_clear()
    translation.activate(settings.LANGUAGE_CODE)  # a request's language stays active in the thread after it


@pytest.fixture
def rider(db):
    return UserFactory()


@pytest.fixture
def other_rider(db):
    return UserFactory()


@pytest.fixture
def organizer(db):
    """A member of the organizers group, who may upload routes and create events."""
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="organizers")[0])
    return user


@pytest.fixture
def rider_client(client, rider):
    client.force_login(rider)
    return client


def pytest_collection_modifyitems(config, items):
    """Race tests need PostgreSQL; outside CI they are skipped on SQLite, in CI never."""
    if ON_POSTGRES:
        return
    needing = [item for item in items if "postgres" in item.keywords]
    if needing and IN_CI:
        raise pytest.UsageError("CI=true but DATABASE_URL is not PostgreSQL: race tests cannot be skipped in CI")
    skip = pytest.mark.skip(reason="needs PostgreSQL (make test starts one when initdb is installed)")
    for item in needing:
        item.add_marker(skip)


@pytest.fixture
def make_event(organizer):
    def _make(*, capacity=3, categories=None, questions=None, publish=True, opens_in_days=-1, closes_in_days=10,
              starts_in_days=20, **fields):
        now = timezone.now()
        from events.services import event_create, event_publish

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


@pytest.fixture
def published_route(organizer):
    from routes.services import route_import

    version = route_import(owner=organizer, data=make_gpx(), filename="test.gpx", name="公开线路", name_en="Public",
                           publish=True)
    return version.route


@pytest.fixture
def make_route(organizer):
    from routes.models import Route
    from routes.services import route_import

    def _make(*, owner=None, status=Route.Status.PUBLISHED, visibility=Route.Visibility.PUBLIC, **kwargs):
        data = kwargs.pop("data", None) or make_gpx(**kwargs.pop("gpx", {}))
        version = route_import(owner=owner or organizer, data=data, filename="r.gpx", status=status,
                               visibility=visibility, name=kwargs.pop("name", "线路"), **kwargs)
        return version.route
    return _make
