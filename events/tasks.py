"""Celery tasks of the events app: the day-before reminders (e-mails go through core's outbox)."""

from celery import shared_task

from events import notifications, services


@shared_task(name="events.send_reminders", time_limit=600, soft_time_limit=540)
def send_reminders() -> int:
    return notifications.reminders_send()


@shared_task(name="events.expire_holds", time_limit=300, soft_time_limit=240)
def expire_holds() -> int:
    return services.registrations_holds_expire()


@shared_task(name="events.erase_national_ids", time_limit=900, soft_time_limit=840)
def erase_national_ids() -> int:
    """PIPL retention: ID numbers erased NATIONAL_ID_RETENTION_DAYS after the event (beat, daily)."""
    return services.national_ids_erase()
