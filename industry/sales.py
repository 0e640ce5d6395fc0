"""Sales CSV import: `brand,month,channel,units,revenue_cny`; all rows good or nothing applied."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from core.csv import csv_rows
from core.imports import ImportReport
from core.queue import task_queue_on_commit
from industry.models import Brand, SalesRecord

HEADER = ["brand", "month", "channel", "units", "revenue_cny"]
ALL_STATS_TASK = "industry.compute_all_stats"  # industry/tasks.py


def _month(text: str) -> datetime.date | None:
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None


@transaction.atomic
def sales_import(*, data: bytes) -> ImportReport:
    """Validate every row, report each bad one by line number, apply only a fully good file.
    Re-importing a brand, month and channel replaces its figures."""
    report = ImportReport()
    rows = csv_rows(data)
    if rows is None:
        report.errors.append(_("The file is not UTF-8 text."))
        return report
    if not rows or [c.strip().lower() for c in rows[0]] != HEADER:
        report.errors.append(_("Line 1: the header must be exactly: %(header)s.") % {"header": ",".join(HEADER)})
        return report
    brands: dict[str, Brand] = {}
    for known in Brand.objects.all():
        brands[known.slug] = brands[known.name] = known
    channels = set(SalesRecord.Channel.values)
    records: dict[tuple, SalesRecord] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            report.errors.append(_("Line %(line)s: expected %(expected)s columns, found %(n)s.")
                                 % {"line": line, "expected": len(HEADER), "n": len(row)})
            continue
        name, month_text, channel, units_text, revenue_text = (cell.strip() for cell in row)
        problems = []
        brand = brands.get(name)
        if brand is None:
            problems.append(_("unknown brand “%(brand)s”") % {"brand": name})
        month = _month(month_text)
        if month is None:
            problems.append(_("month “%(month)s” is not YYYY-MM") % {"month": month_text})
        if channel not in channels:
            problems.append(_("channel “%(channel)s” is not domestic, export or ecommerce")
                            % {"channel": channel})
        units = int(units_text) if units_text.isdigit() else None
        if units is None:
            problems.append(_("units “%(units)s” is not a whole number") % {"units": units_text})
        try:
            revenue = Decimal(revenue_text)
            if not revenue.is_finite() or revenue < 0 or revenue != revenue.quantize(Decimal("0.01")):
                raise InvalidOperation
        except InvalidOperation:
            revenue = None
            problems.append(_("revenue “%(revenue)s” is not an amount in yuan") % {"revenue": revenue_text})
        if brand is not None and (brand.pk, month, channel) in records:
            problems.append(_("this brand, month and channel appear twice"))
        if problems or brand is None or month is None or units is None or revenue is None:
            report.errors.append(_("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
            continue
        records[(brand.pk, month, channel)] = SalesRecord(brand=brand, month=month, channel=channel, units=units,
                                                          revenue_cny=revenue)
    if not records and not report.errors:
        report.errors.append(_("The file has no sales rows."))
    if report.errors:
        return report
    SalesRecord.objects.bulk_create(records.values(), update_conflicts=True,
                                    unique_fields=["brand", "month", "channel"], update_fields=["units", "revenue_cny"])
    report.applied = len(records)
    task_queue_on_commit(ALL_STATS_TASK)
    return report
