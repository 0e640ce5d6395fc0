"""Celery tasks of the events app: registration e-mails and the day-before reminders."""

from celery import shared_task

from events import notifications


@shared_task(name="events.send_registration_mail", time_limit=60, soft_time_limit=50, autoretry_for=(OSError,),
             retry_backoff=True, max_retries=5)
def send_registration_mail(registration_id: int, kind: str) -> None:
    notifications.registration_mail_send(registration_id=registration_id, kind=kind)


@shared_task(name="events.send_reminders", time_limit=600, soft_time_limit=540)
def send_reminders() -> int:
    return notifications.reminders_send()
