"""Health checks for the load balancer: the database and, where configured, Redis."""

import redis
from django.conf import settings
from django.db import connections


def check_database() -> str | None:
    """Return None when every configured database answers, else the error."""
    try:
        for alias in connections:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy"; the reason is reported
        return f"{type(exc).__name__}: {exc}"
    return None


def check_redis() -> str | None:
    """Return None when Redis answers PING or is not configured, else the error."""
    if not settings.REDIS_URL:
        return None
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except Exception as exc:  # connection refused, timeout, auth: all unhealthy
        return f"{type(exc).__name__}: {exc}"
    return None
