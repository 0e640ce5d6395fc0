"""GET /metrics for Prometheus (issue 27; docs/operations.md): request counts and latencies
(core.observability) and the platform's own gauges, read from the database and Redis at scrape
time. Not public: 404 unless METRICS_TOKEN is set, 401 without `Authorization: Bearer <token>`
(nginx also lets only the monitoring host reach it). Under gunicorn with PROMETHEUS_MULTIPROC_DIR
set (gunicorn.conf.py) the request metrics of every worker are summed."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.outbox import backlog
from core.sms import sent_in_the_last_hour
from cycling.health import heartbeat_age
from payments.selectors import money_backlog

log = logging.getLogger(__name__)
QUEUES = ("celery",)  # the Celery queues on the broker (one: the default)


def queue_depth() -> int | None:
    """Tasks waiting on the broker; None without Redis (tasks run inline) or while it is down."""
    if not settings.REDIS_URL:
        return None
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2,
                                      socket_timeout=2)
        return sum(int(client.llen(queue)) for queue in QUEUES)
    except redis.RedisError:
        log.warning("metrics: the broker did not answer")
        return None


class PlatformCollector(Collector):
    """The platform's gauges; an unknown value (no Redis, no heartbeat yet) is left out, not 0."""

    def collect(self) -> Iterator[Metric]:
        pending, oldest = backlog()
        past_deadline, refunds_open = money_backlog()
        values = [
            ("cycling_outbox_pending", "Messages waiting in the outbox", pending),
            ("cycling_outbox_oldest_seconds", "Age of the oldest message waiting in the outbox", oldest or 0.0),
            ("cycling_celery_queue_depth", "Tasks waiting on the broker", queue_depth()),
            ("cycling_orders_past_deadline", "Unpaid orders past their deadline not yet closed", past_deadline),
            ("cycling_refunds_waiting", "Refunds requested or with the provider", refunds_open),
            ("cycling_worker_heartbeat_age_seconds", "Seconds since a worker ran the heartbeat", heartbeat_age()),
            ("cycling_sms_sent_last_hour", "Text messages claimed in the last hour", sent_in_the_last_hour()),
        ]
        for name, documentation, value in values:
            if value is not None:
                yield GaugeMetricFamily(name, documentation, value=float(value))


_PLATFORM = CollectorRegistry(auto_describe=False)
_PLATFORM.register(PlatformCollector())


def _requests_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse("a bearer token is needed\n", status=401, content_type="text/plain",
                            headers={"WWW-Authenticate": "Bearer"})
    body = generate_latest(_requests_registry()) + generate_latest(_PLATFORM)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
