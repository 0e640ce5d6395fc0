"""Site-wide Celery tasks: the worker heartbeat that /readyz reports, and the sweep that queues
again the work whose task was lost."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from core.files import orphan_files_sweep
from core.queue import task_queue_best_effort
from core.sms import ledger_prune
from industry.sales import sales_imports_sweep
from industry.stats import stats_overdue
from routes.services import rides_sweep, route_versions_sweep

HEARTBEAT_KEY = "cycling:worker-heartbeat"
ALL_STATS_TASK = "industry.compute_all_stats"


@shared_task(name="cycling.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat() -> str:
    """Record that a worker ran a task just now; running it twice only moves the timestamp."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=24 * 3600)
    return stamp


@shared_task(name="cycling.sweep", time_limit=120, soft_time_limit=100)
def sweep() -> dict[str, int]:
    """Beat runs this every five minutes. A task can be lost after its work was asked for: Redis
    was down when it was queued (queueing after commit is best-effort), or the worker running it
    was killed with kill -9 (Redis would hand an unacknowledged task out again only after the
    4-hour visibility timeout). Every such task is safe to run twice, so the sweep queues again
    whatever is overdue: route versions still pending, sales imports waiting or dead, statistics
    asked for and not computed, rides still pending. E-mails need no sweep: beat drains the outbox
    every minute. It also deletes SMS ledger rows older than every limit's window."""
    stats = stats_overdue()
    if stats:
        task_queue_best_effort(ALL_STATS_TASK)
    return {"route_versions": route_versions_sweep(), "rides": rides_sweep(), "sales_imports": sales_imports_sweep(),
            "stats": int(stats), "sms_ledger": ledger_prune()}


@shared_task(name="cycling.files_sweep", time_limit=600, soft_time_limit=540)
def files_sweep() -> int:
    """Beat runs this every hour: uploaded files no row references (an upload killed after writing
    its file, before its row committed) are deleted once they are an hour old (core/files.py)."""
    return orphan_files_sweep()
