"""Sales CSV import: `brand,month,channel,units,revenue_cny`; all rows good or nothing applied."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from core.imports import ImportReport
from core.parse import whole_number
from core.queue import task_queue_on_commit
from industry.models import Brand, SalesRecord

HEADER = ["brand", "month", "channel", "units", "revenue_cny"]
ALL_STATS_TASK = "industry.compute_all_stats"  # industry/tasks.py


def _month(text: str) -> datetime.date | None:
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        if not (year.isascii() and month.isascii()):
            return None
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None


BATCH = 2000  # rows written per statement
MAX_ERRORS = 100  # reported lines; the count of the rest is given
REVENUE_DIGITS = 12  # SalesRecord.revenue_cny: 14 digits, 2 of them after the point


def _revenue(text: str) -> Decimal | None:
    try:
        revenue = Decimal(text)
    except InvalidOperation:
        return None
    if (not revenue.is_finite() or revenue < 0 or revenue.adjusted() >= REVENUE_DIGITS
            or revenue != revenue.quantize(Decimal("0.01"))):
        return None
    return revenue


@transaction.atomic
def sales_import(*, data: bytes | BinaryIO) -> ImportReport:
    """Validate every row, report each bad one by line number, apply only a fully good file.
    Re-importing a brand, month and channel replaces its figures.

    The file is read as a stream and written in batches inside one transaction (rolled back when
    any row is bad), so memory stays bounded however long the file is: a million rows hold only
    one batch and a set of row keys (about 70 bytes a row)."""
    report = ImportReport()
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        _read(csv.reader(text), report)
    except UnicodeDecodeError:
        report.errors.append(_("The file is not UTF-8 text."))
    except csv.Error as exc:
        report.errors.append(_("The file is not a readable CSV file (%(reason)s).") % {"reason": exc})
    finally:
        text.detach()  # the caller's file stays open
    if report.errors:
        transaction.set_rollback(True)
        report.applied = 0
        return report
    task_queue_on_commit(ALL_STATS_TASK)
    return report


def _read(rows: Iterator[list[str]], report: ImportReport) -> None:
    header = next(rows, None)
    if header is None or [c.strip().lower() for c in header] != HEADER:
        report.errors.append(_("Line 1: the header must be exactly: %(header)s.") % {"header": ",".join(HEADER)})
        return
    brands: dict[str, Brand] = {}
    for known in Brand.objects.all():
        brands[known.slug] = brands[known.name] = known
    channels = list(SalesRecord.Channel.values)
    seen: set[int] = set()
    batch: list[SalesRecord] = []
    more_errors = 0
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        record, problems = _parse(row, brands, channels)
        if record is not None:
            key = (record.brand_id * 100_000 + record.month.toordinal()) * 8 + channels.index(record.channel)
            if key in seen:
                problems, record = [_("this brand, month and channel appear twice")], None
            seen.add(key)
        if problems:
            if len(report.errors) < MAX_ERRORS:
                report.errors.append(_("Line %(line)s: %(problems)s.")
                                     % {"line": line, "problems": "; ".join(problems)})
            else:
                more_errors += 1
            continue
        if not report.errors and record is not None:
            batch.append(record)
            if len(batch) >= BATCH:
                report.applied += _write(batch)
    if more_errors:
        report.errors.append(_("… and %(count)s more lines with problems.") % {"count": more_errors})
    if not report.errors:
        report.applied += _write(batch)
        if not report.applied:
            report.errors.append(_("The file has no sales rows."))


def _parse(row: list[str], brands: dict[str, Brand], channels: list[str]) -> tuple[SalesRecord | None, list[str]]:
    """The row as a record, or None and what is wrong with it."""
    if len(row) != len(HEADER):
        return None, [_("expected %(expected)s columns, found %(n)s") % {"expected": len(HEADER), "n": len(row)}]
    name, month_text, channel, units_text, revenue_text = (cell.strip() for cell in row)
    brand, month, units, revenue = brands.get(name), _month(month_text), whole_number(units_text), _revenue(
        revenue_text)
    problems = []
    if brand is None:
        problems.append(_("unknown brand “%(brand)s”") % {"brand": name[:60]})
    if month is None:
        problems.append(_("month “%(month)s” is not YYYY-MM") % {"month": month_text[:20]})
    if channel not in channels:
        problems.append(_("channel “%(channel)s” is not domestic, export or ecommerce") % {"channel": channel[:20]})
    if units is None:
        problems.append(_("units “%(units)s” is not a whole number") % {"units": units_text[:20]})
    if revenue is None:
        problems.append(_("revenue “%(revenue)s” is not an amount in yuan") % {"revenue": revenue_text[:20]})
    if brand is None or month is None or units is None or revenue is None or problems:
        return None, problems
    return SalesRecord(brand=brand, month=month, channel=channel, units=units, revenue_cny=revenue), []


def _write(batch: list[SalesRecord]) -> int:
    if not batch:
        return 0
    SalesRecord.objects.bulk_create(batch, update_conflicts=True, unique_fields=["brand", "month", "channel"],
                                    update_fields=["units", "revenue_cny"])
    count = len(batch)
    batch.clear()
    return count
