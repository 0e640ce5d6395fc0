"""Suite-wide fixtures."""

import os

import pytest
from django.core.cache import cache

from tests.factories import UserFactory

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


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
