"""/healthz (liveness: this process and the database) and /readyz (database, Redis, worker
heartbeat); no host, port or error text in either body (issue 10)."""

import datetime
import json
import socket

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.utils import timezone

from cycling.tasks import HEARTBEAT_KEY

LEAKS = ("127.0.0.1", "Error", "refused", "could not connect", "redis://", "5432")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def _no_leak(response) -> None:
    text = json.dumps(response.json())
    assert not any(leak in text for leak in LEAKS), text


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_stays_200_when_redis_is_down_and_readyz_says_so(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    assert client.get("/healthz").status_code == 200  # the site still serves: keep it in the balancer
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unavailable", "worker_heartbeat_age_s": None}
    _no_leak(response)


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_503_when_the_database_fails_without_its_error_text(client, db, monkeypatch, url):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server at 10.0.0.5:5432")

    with monkeypatch.context() as patch:  # undone before the test database is rolled back
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get(url)
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    _no_leak(response)


def test_readyz_reports_the_heartbeat_age(client, db, settings):
    if not settings.REDIS_URL:
        pytest.skip("the heartbeat is reported when Redis is configured")
    cache.set(HEARTBEAT_KEY, (timezone.now() - datetime.timedelta(seconds=90)).isoformat())
    checks = client.get("/readyz").json()["checks"]
    assert checks["redis"] == "ok" and 89 <= checks["worker_heartbeat_age_s"] <= 95
