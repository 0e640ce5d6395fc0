"""Personal information law (PIPL) duties of the events app: national ID numbers are erased a set
number of days after the event (NATIONAL_ID_RETENTION_DAYS), and every look at them unmasked is
logged (IdAccess)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.models import Event, IdAccess, Question, Registration
from events.services.documents import documents_erase

log = logging.getLogger(__name__)


def national_ids_erase(*, now: datetime.datetime | None = None) -> int:
    """Remove ID numbers from the answers of every event that ended more than the retention period
    ago; returns how many registrations lost one (0 when run again)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.NATIONAL_ID_RETENTION_DAYS)
    erased = 0
    keys_by_event: dict[int, list[str]] = {}
    for event_id, key in Question.objects.filter(kind=Question.Kind.NATIONAL_ID, event__ends_at__lt=cutoff) \
            .values_list("event_id", "key"):
        keys_by_event.setdefault(event_id, []).append(key)
    for event_id, keys in keys_by_event.items():
        with transaction.atomic():
            holding = Registration.objects.select_for_update().filter(event_id=event_id)
            changed = []
            for registration in holding.filter(answers__has_any_keys=keys):
                if any(k in registration.answers for k in keys):
                    registration.answers = {k: v for k, v in registration.answers.items() if k not in keys}
                    changed.append(registration)
            Registration.objects.bulk_update(changed, ["answers"], batch_size=500)
            erased += len(changed)
    # the people riders named to pick their kits up: with the ID numbers, the same time after the event
    Registration.objects.filter(event__ends_at__lt=cutoff).exclude(proxy_name="", proxy_mobile="").update(
        proxy_name="", proxy_mobile="")
    documents_erase(now=now)  # health certificates, licences, insurance certificates: the same time
    log.info("national ID numbers erased from %s registrations (events ended before %s)", erased, cutoff.date())
    return erased


def id_access_log(*, event: Event, user: User, action: str, rows: int) -> IdAccess:
    return IdAccess.objects.create(event=event, user=user, action=action, rows=rows)
