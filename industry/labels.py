"""What people read for the statistics' internal names: dimensions, buckets, jobs (issue 11).

The statistics tables keep stable keys (`locality`/`local`, brand and club slugs); every page and
CSV shows these labels instead, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Gender, HomeArea
from core import memberships
from core.ages import AGE_BANDS
from core.i18n import localized
from industry.models import Brand

AGE_ORDER = {name: position for position, (_low, _high, name) in enumerate(AGE_BANDS)}


def dimension_label(dimension: str) -> str:
    return {
        "total": _("All riders"), "gender": _("Gender"), "age_band": _("Age"),
        "locality": _("Local or from outside Xingtai"), "club": _("Club"), "brand": _("Bike brand"),
        "brand_origin": _("Bikes made in the Xingtai cluster"), "day": _("Day of registration"),
        "district": _("County or district"),
    }.get(dimension, dimension)


def job_label(job: str) -> str:
    return {"event_stats": _("event statistics"), "monthly_stats": _("monthly statistics"),
            "event_stats:partial": _("statistics of single events")}.get(job, job)


def _fixed(dimension: str) -> dict[str, str]:
    not_given = _("Not given")
    return {
        "total": {"all": _("All riders")},
        "gender": {**{value: str(label) for value, label in Gender.choices}, "unknown": not_given},
        "age_band": {"under-18": _("Under 18"), "60+": _("60 and over"), "unknown": not_given},
        "locality": {"local": _("From Xingtai"), "outside": _("From outside Xingtai"), "unknown": not_given},
        "club": {"none": _("No club")},
        "district": {**{value: str(label) for value, label in HomeArea.choices}, "unknown": not_given},
        "brand": {"unknown": not_given},
        "brand_origin": {"local": _("Made in the Xingtai cluster"), "other": _("Made elsewhere"),
                         "unknown": not_given},
    }.get(dimension, {})


def names(dimension: str) -> dict[str, str]:
    """Slug -> name, in the reader's language, for the dimensions whose buckets are slugs."""
    if dimension == "brand":
        return {b.slug: localized(b, "name") for b in Brand.objects.all()}
    if dimension == "club":
        return memberships.directory.club_names()
    return {}


def bucket_label(dimension: str, bucket: str, named: dict[str, str] | None = None) -> str:
    fixed = _fixed(dimension)
    if bucket in fixed:
        return fixed[bucket]
    if named and bucket in named:
        return named[bucket]
    if dimension == "age_band":
        return _("%(band)s years") % {"band": bucket}
    return bucket


def ordered(dimension: str, rows: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    """Rows (bucket, n) labelled; age bands in age order, the rest as given (largest first)."""
    if dimension == "age_band":
        rows = sorted(rows, key=lambda row: AGE_ORDER.get(row[0], len(AGE_ORDER)))
    named = names(dimension)
    return [(bucket_label(dimension, bucket, named), n) for bucket, n in rows]
