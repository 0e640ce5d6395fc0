"""Site-wide Celery tasks: the worker heartbeat that /healthz reports."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "cycling:worker-heartbeat"


@shared_task(name="cycling.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat() -> str:
    """Record that a worker ran a task just now; running it twice only moves the timestamp."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=24 * 3600)
    return stamp
