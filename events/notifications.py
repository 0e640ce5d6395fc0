"""Sending registration e-mails exactly once per fact, however often a task runs."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core.services import notification_claim
from events.mail import build
from events.models import Event, Outbox, Registration


def _key(registration: Registration, kind: str) -> str:
    moment = {
        "confirmed": registration.confirmed_at, "promoted": registration.confirmed_at,
        "team_entry": registration.confirmed_at,
        "waitlisted": registration.queued_at, "cancelled": registration.cancelled_at,
        "event_cancelled": registration.cancelled_at, "transferred": registration.rider_id,
        "reminder": registration.event.starts_at,
    }.get(kind)
    stamp = moment.isoformat() if hasattr(moment, "isoformat") else str(moment)
    return f"{kind}:{registration.pk}:{stamp}"[:120]


def registration_mail_send(*, registration_id: int, kind: str) -> bool:
    """Send one e-mail; a second call for the same fact sends nothing. Returns whether it sent."""
    registration = (Registration.objects.select_related("rider", "event", "category")
                    .filter(pk=registration_id).first())
    if registration is None or not registration.rider.email:
        return False
    with transaction.atomic():  # the claim is rolled back if sending fails, so a retry sends it
        if not notification_claim(_key(registration, kind)):
            return False
        build(registration, kind).send()
    return True


def outbox_send(*, batch: int = 200) -> int:
    """Send every unsent outbox e-mail; concurrent runs split the rows (SKIP LOCKED), a rerun
    sends nothing twice (the Notification keys). Returns how many e-mails went out."""
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(Outbox.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
                        .order_by("created_at", "pk")[:batch])
            if not rows:
                return sent
            for row in rows:
                sent += registration_mail_send(registration_id=row.registration_id, kind=row.kind)
            Outbox.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=timezone.now())


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """E-mail every confirmed rider of events starting tomorrow (Asia/Shanghai); once each."""
    today = timezone.localtime(now or timezone.now()).date()
    tomorrow = today + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    ids = Registration.objects.filter(
        event__status=Event.Status.PUBLISHED, event__starts_at__gte=start, event__starts_at__lt=end,
        status=Registration.Status.CONFIRMED,
    ).values_list("pk", flat=True)
    return sum(registration_mail_send(registration_id=pk, kind="reminder") for pk in ids)
