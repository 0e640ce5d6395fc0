"""Celery tasks of core: the outbox sender."""

from celery import shared_task

from core import outbox


@shared_task(name="core.send_outbox", time_limit=600, soft_time_limit=540)
def send_outbox() -> int:
    return outbox.send_due()
