"""Topic heat CSV import: `brand,month,platform,mentions`; all rows good or nothing applied."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils.translation import gettext as _

from core.imports import ImportReport
from core.parse import whole_number
from industry.models import Brand, TopicHeat
from industry.sales import MAX_ERRORS, parse_month

HEADER = ["brand", "month", "platform", "mentions"]
MAX_BYTES = 5_000_000


@transaction.atomic
def topic_heat_import(*, data: bytes) -> ImportReport:
    """Validate every row, report each bad one by line number, apply only a fully good file.
    Re-importing a brand, month and platform replaces its count."""
    report = ImportReport()
    if len(data) > MAX_BYTES:
        report.errors.append(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 1_000_000})
        return report
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except UnicodeDecodeError:
        report.errors.append(_("The file is not UTF-8 text."))
        return report
    except csv.Error as exc:
        report.errors.append(_("The file is not a readable CSV file (%(reason)s).") % {"reason": exc})
        return report
    if not rows or [c.strip().lower() for c in rows[0]] != HEADER:
        report.errors.append(_("Line 1: the header must be exactly: %(header)s.") % {"header": ",".join(HEADER)})
        return report
    brands: dict[str, Brand] = {}
    for known in Brand.objects.all():
        brands[known.slug] = brands[known.name] = known
    records: dict[tuple, TopicHeat] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        problems = []
        if len(row) != len(HEADER):
            problems.append(_("expected %(expected)s columns, found %(n)s") % {"expected": len(HEADER), "n": len(row)})
        else:
            name, month_text, platform, mentions_text = (cell.strip() for cell in row)
            brand, month, mentions = brands.get(name), parse_month(month_text), whole_number(mentions_text)
            if brand is None:
                problems.append(_("unknown brand “%(brand)s”") % {"brand": name[:60]})
            if month is None:
                problems.append(_("month “%(month)s” is not YYYY-MM") % {"month": month_text[:20]})
            if not platform or len(platform) > 30:
                problems.append(_("the platform must be named (at most 30 characters)"))
            if mentions is None:
                problems.append(_("mentions “%(n)s” is not a whole number") % {"n": mentions_text[:20]})
            if not problems and brand is not None and month is not None and mentions is not None:
                key = (brand.pk, month, platform)
                if key in records:
                    problems.append(_("this brand, month and platform appear twice"))
                records[key] = TopicHeat(brand=brand, month=month, platform=platform, mentions=mentions)
        if problems and len(report.errors) < MAX_ERRORS:
            report.errors.append(_("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
    if not report.errors and not records:
        report.errors.append(_("The file has no rows."))
    if report.errors:
        return report
    TopicHeat.objects.bulk_create(records.values(), update_conflicts=True,
                                  unique_fields=["brand", "month", "platform"], update_fields=["mentions"])
    report.applied = len(records)
    return report
