"""Registration e-mails: the outbox renderer, and the day-before reminders (queued once each)."""

from __future__ import annotations

import datetime

from django.core.mail import EmailMessage
from django.utils import timezone

from core import outbox
from core.models import Outbox
from events.mail import build
from events.models import Event, Registration
from events.services.outbox import TOPIC


def render(row: Outbox) -> EmailMessage | None:
    """The e-mail an outbox row stands for; None when the rider has no address or the row is gone."""
    registration = (Registration.objects.select_related("rider", "event", "category")
                    .filter(pk=row.object_id).first())
    if registration is None or not registration.rider.email:
        return None
    return build(registration, row.kind)


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Queue a reminder for every confirmed rider of events starting tomorrow (Asia/Shanghai); the
    key (registration, start time) queues each once however often this runs. Returns how many
    were new."""
    today = timezone.localtime(now or timezone.now()).date()
    tomorrow = today + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    rows = Registration.objects.filter(
        event__status=Event.Status.PUBLISHED, event__starts_at__gte=start, event__starts_at__lt=end,
        status=Registration.Status.CONFIRMED,
    ).values_list("pk", "event__starts_at")
    return outbox.enqueue_keyed({f"reminder:{pk}:{starts.isoformat()}": (TOPIC, "reminder", pk) for pk, starts in rows})
