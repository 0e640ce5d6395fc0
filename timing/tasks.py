"""Timing's jobs (beat): closing times passed are written as DNF (the pages show them at once), and
positions are erased once their event's kept days are over."""

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from events.models import Event
from timing import services


@shared_task(name="timing.closings")
def closings() -> int:
    """Recount the events running now (from their start to a day after their end): a rider still
    out when a checkpoint closed becomes DNF there."""
    now = timezone.now()
    counted = 0
    for event in Event.objects.filter(checkpoints__isnull=False, starts_at__lte=now,
                                      ends_at__gte=now - datetime.timedelta(days=1)).distinct():
        with transaction.atomic():
            counted += services.results_recount(event=event)
    return counted


@shared_task(name="timing.positions_erase")
def positions_erase() -> int:
    return services.positions_erase_expired()
