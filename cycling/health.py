"""Health checks. /healthz is liveness for the load balancer: this process answers and the
database does (without them nothing can be served). /readyz gives the details operators need:
the database, Redis and the worker heartbeat's age. Neither body shows hosts, ports or error
texts; the reasons go to the log."""

from __future__ import annotations

import datetime
import logging

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from cycling.tasks import HEARTBEAT_KEY

log = logging.getLogger(__name__)


def check_database() -> bool:
    """True when every configured database answers."""
    try:
        for alias in connections:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception:  # any failure means "not healthy"; the reason is logged, never shown
        log.exception("health: database unavailable")
        return False
    return True


def check_redis() -> bool | None:
    """True when Redis answers PING, False when it does not, None when it is not configured."""
    if not settings.REDIS_URL:
        return None
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except Exception:  # connection refused, timeout, auth: all unavailable
        log.exception("health: Redis unavailable")
        return False
    return True


def heartbeat_age() -> int | None:
    """Seconds since a worker last ran the heartbeat task; None when unknown (no worker yet, or
    Redis down)."""
    stamp = cache.get(HEARTBEAT_KEY)
    if not stamp:
        return None
    try:
        return max(0, int((timezone.now() - datetime.datetime.fromisoformat(stamp)).total_seconds()))
    except (TypeError, ValueError):
        return None
