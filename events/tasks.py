"""Celery tasks of the events app: the e-mail outbox and the day-before reminders."""

from celery import shared_task

from events import notifications


@shared_task(name="events.send_outbox", time_limit=600, soft_time_limit=540, autoretry_for=(OSError,),
             retry_backoff=True, max_retries=5)
def send_outbox() -> int:
    return notifications.outbox_send()


@shared_task(name="events.send_reminders", time_limit=600, soft_time_limit=540)
def send_reminders() -> int:
    return notifications.reminders_send()
