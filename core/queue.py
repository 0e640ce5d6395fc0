"""Queueing Celery tasks by their registered name, so that services never import tasks modules.

Tasks import services (to call them); services queue tasks by name. That keeps the import graph
one way (tasks -> services) while eager mode (no REDIS_URL: tasks run inline) and the project's
BoundedTask countdown limit still apply, because the task object itself is called.

Work queued after a commit is best-effort: the fact is already stored, so a broker outage (or,
in eager mode, a failing inline task) is logged and never turns the request into an error. Each
such task has a beat job that finds what is left (core.sweep) and queues it again.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


_discovery = threading.Lock()


def task_queue(name: str, *args: object, countdown: float | None = None) -> None:
    app = current_app._get_current_object()
    if name not in app.tasks:  # tasks modules are discovered lazily; load them once, one thread at a time
        with _discovery:  # a second thread would otherwise see the discovery half done
            # every installed app's tasks module; not loader.import_default_modules(), whose signal
            # also runs Django's system checks (Celery's worker fixup): ~1 s of CPU in each web
            # process's first request that queued a task (issue 27's sign-up profile)
            app.autodiscover_tasks(force=True)
    options = {"countdown": countdown} if countdown else {}
    app.tasks[name].apply_async(args=args, **options)


def task_queue_best_effort(name: str, *args: object, countdown: float | None = None) -> bool:
    """Queue, or log why not; True when queued."""
    try:
        task_queue(name, *args, countdown=countdown)
    except Exception:
        log.exception("could not queue %s%r; the beat sweep will pick it up", name, args)
        return False
    return True


def task_queue_on_commit(name: str, *args: object, countdown: float | None = None) -> None:
    """Queue once the caller's transaction commits (never for a rolled-back write), best-effort."""
    transaction.on_commit(partial(task_queue_best_effort, name, *args, countdown=countdown))
