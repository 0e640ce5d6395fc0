"""Age bands as the platform reports them (statistics, route leaderboards)."""

from __future__ import annotations

import datetime

AGE_BANDS = [(0, 17, "under-18"), (18, 29, "18-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"),
             (60, 200, "60+")]


def age_on(born: datetime.date | None, day: datetime.date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int | None) -> str:
    """The band's key ("18-29"...), "unknown" without an age."""
    if age is None:
        return "unknown"
    for low, high, name in AGE_BANDS:
        if low <= age <= high:
            return name
    return "unknown"


def age_band_label(key: str) -> str:
    from django.utils.translation import gettext as _  # noqa: PLC0415 - this module is used without Django too

    return {"under-18": _("Under 18"), "60+": _("60 and over"), "unknown": _("Age not given")}.get(key, key)
