"""Celery tasks of the clubs app."""

from celery import shared_task

from clubs import notifications
from clubs.models import Membership


@shared_task(name="clubs.send_club_mail", time_limit=120, soft_time_limit=100, autoretry_for=(OSError,),
             retry_backoff=True, max_retries=5)
def send_club_mail(kind: str, membership_id: int) -> None:
    membership = Membership.objects.select_related("club", "user").filter(pk=membership_id).first()
    if membership is not None:
        notifications.membership_mail_send(membership=membership, kind=kind)


@shared_task(name="clubs.send_announcement", time_limit=1800, soft_time_limit=1700, autoretry_for=(OSError,),
             retry_backoff=True, max_retries=5)
def send_announcement(announcement_id: int) -> int:
    return notifications.announcement_send(announcement_id=announcement_id)


@shared_task(name="clubs.send_dues_reminders", time_limit=600, soft_time_limit=540)
def send_dues_reminders() -> int:
    return notifications.dues_reminders_send()
