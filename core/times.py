"""The one way an instant is shown to a person: in the event's time zone (Asia/Shanghai unless the
event says otherwise), in pages, e-mails, SMS, CSV and PDF alike. Instants are stored in UTC."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.utils import formats, timezone

DEFAULT_ZONE = "Asia/Shanghai"


def zone_of(event: Any = None) -> zoneinfo.ZoneInfo:
    name = getattr(event, "time_zone", "") or settings.TIME_ZONE or DEFAULT_ZONE
    return zoneinfo.ZoneInfo(name)


def local(value: datetime.datetime, event: Any = None) -> datetime.datetime:
    """An aware instant in the event's zone (a naive one is taken as UTC)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value.astimezone(zone_of(event))


def when(value: datetime.datetime | None, event: Any = None, fmt: str = "Y-m-d H:i") -> str:
    """"2026-12-06 23:59" in the event's zone; "" for none. `fmt` is Django's date format."""
    if value is None:
        return ""
    return formats.date_format(local(value, event), fmt)


def month_add(month: datetime.date, shift: int) -> datetime.date:
    """The first day of the month `shift` months after `month` (before, when negative)."""
    index = month.year * 12 + month.month - 1 + shift
    return datetime.date(index // 12, index % 12 + 1, 1)
