"""The e-mail outbox: a row written in the same transaction as the fact, a send queued after commit."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.queue import task_queue
from events.models import Outbox

SEND_OUTBOX_TASK = "events.send_outbox"  # events/tasks.py; queued by name so services import no task
KICK_INTERVAL = 1.0
_last_kick = 0.0


def mail_on_commit(registration_id: int, kind: str) -> None:
    """Queue an e-mail: an outbox row in the caller's transaction, and a send once it commits."""
    Outbox.objects.create(registration_id=registration_id, kind=kind, created_at=timezone.now())
    outbox_kick_on_commit()


def outbox_kick_on_commit() -> None:
    transaction.on_commit(_outbox_kick)


def _outbox_kick() -> None:
    """Queue the outbox task, at most once per KICK_INTERVAL per process: a sign-up rush queues a
    few tasks a second, not one per rider. The task is delayed to the end of the interval, so
    it also sends the e-mails of every sign-up that did not queue one."""
    global _last_kick
    if settings.CELERY_TASK_ALWAYS_EAGER:
        task_queue(SEND_OUTBOX_TASK)
        return
    now = time.monotonic()
    if now - _last_kick >= KICK_INTERVAL:
        _last_kick = now
        task_queue(SEND_OUTBOX_TASK, countdown=KICK_INTERVAL)
