"""Celery tasks of the clubs app (club e-mails go through core's outbox)."""

from celery import shared_task

from clubs import notifications


@shared_task(name="clubs.send_dues_reminders", time_limit=600, soft_time_limit=540)
def send_dues_reminders() -> int:
    return notifications.dues_reminders_send()
