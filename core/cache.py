"""A Redis cache that degrades instead of failing.

The cache holds nothing that must survive: login rate-limit counters, the worker heartbeat.
When Redis is down, reads miss, writes are dropped and `add` (allauth's rate-limit lock) says
yes, so logging in and resetting a password keep working without limits for the outage rather
than answering 500. After a failure Redis is left alone for RETRY_AFTER seconds, so an outage
costs each request nothing, not a connection timeout."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0
_MISSING = object()


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # per instance (Django keeps one per thread and alias)

    def _call(self, name: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            log.warning("cache unavailable (%s: %s); degrading for %ss", type(exc).__name__, exc, RETRY_AFTER)
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", default, key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = _MISSING, version: int | None = None) -> None:
        if timeout is _MISSING:
            self._call("set", None, key, value, version=version)
        else:
            self._call("set", None, key, value, timeout, version)

    def add(self, key: Any, value: Any, timeout: Any = _MISSING, version: int | None = None) -> bool:
        if timeout is _MISSING:
            return self._call("add", True, key, value, version=version)
        return self._call("add", True, key, value, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call("delete", False, key, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        return self._call("get_many", {}, keys, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call("incr", delta, key, delta, version)

    def touch(self, key: Any, timeout: Any = _MISSING, version: int | None = None) -> bool:
        if timeout is _MISSING:
            return self._call("touch", False, key, version=version)
        return self._call("touch", False, key, timeout, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call("has_key", False, key, version)
