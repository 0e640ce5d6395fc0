"""An event's payment settings (methods offered, refund policy) and what its policy gives back."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from events.models import Event
from payments.models import EventPayment
from payments.selectors import payment_settings_of


def payment_settings_update(*, event: Event, **fields: Any) -> EventPayment:
    """An event's payment methods and refund policy (the organizer's payments page)."""
    settings_row, _created = EventPayment.objects.update_or_create(event=event, defaults=fields)
    return settings_row


def refund_by_policy(event: Event, paid_fen: int, now: datetime.datetime | None = None) -> int:
    """What a rider who withdraws now gets back of ``paid_fen``: all until the first date, the
    percentage until the second, nothing after (and nothing without a policy)."""
    now = now or timezone.now()
    policy = payment_settings_of(event)
    if policy.refund_full_until and now <= policy.refund_full_until:
        return paid_fen
    if policy.refund_part_until and now <= policy.refund_part_until:
        return paid_fen * policy.refund_part_percent // 100
    return 0
