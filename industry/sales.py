"""Sales CSV import: `brand,month,channel,units,revenue_cny`; all rows good or nothing applied."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import BinaryIO

from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.imports import ImportReport
from core.parse import whole_number
from core.queue import task_queue_best_effort, task_queue_on_commit
from industry.models import Brand, SalesImport, SalesRecord
from industry.stats import stats_requested

HEADER = ["brand", "month", "channel", "units", "revenue_cny"]
ALL_STATS_TASK = "industry.compute_all_stats"  # industry/tasks.py
IMPORT_TASK = "industry.import_sales"


def parse_month(text: str) -> datetime.date | None:
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
def sales_import(*, data: bytes | BinaryIO, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate every row, report each bad one by line number, apply only a fully good file.
    Re-importing a brand, month and channel replaces its figures.

    The file is read as a stream and written in batches inside one transaction (rolled back when
    any row is bad), so memory stays bounded however long the file is: a million rows hold only
    one batch and a set of row keys (about 70 bytes a row)."""
    report = ImportReport()
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        _read(csv.reader(text), report, progress)
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
    stats_requested()
    task_queue_on_commit(ALL_STATS_TASK)
    return report


def _read(rows: Iterator[list[str]], report: ImportReport, progress: Callable[[int], None] | None) -> None:
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
        if progress is not None and line % BATCH == 0:
            progress(line - 1)
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
    brand, month, units, revenue = brands.get(name), parse_month(month_text), whole_number(units_text), _revenue(
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


def _progress_key(pk: int) -> str:
    return f"industry:sales-import:{pk}"


def sales_import_progress(*, sales_import_id: int) -> int | None:
    """Rows read so far by a running background import (None when unknown)."""
    return cache.get(_progress_key(sales_import_id))


@transaction.atomic
def sales_import_start(*, upload: File, user: User, language: str) -> SalesImport:
    """Store a large file and queue its import (sales_import_run); the page follows its progress."""
    job = SalesImport(uploaded_by=user, language=language)
    job.file.save(PurePath(upload.name or "sales.csv").name[-80:], upload, save=False)
    job.save()
    task_queue_on_commit(IMPORT_TASK, job.pk)
    return job


def sales_import_run(*, sales_import_id: int) -> SalesImport:
    """Run a queued import once (a second run of a finished one changes nothing); the file is
    deleted afterwards."""
    with transaction.atomic():
        job = SalesImport.objects.select_for_update().get(pk=sales_import_id)
        if job.status in (SalesImport.Status.DONE, SalesImport.Status.FAILED):
            return job
        SalesImport.objects.filter(pk=job.pk).update(status=SalesImport.Status.RUNNING, started_at=timezone.now())
    with job.file.open("rb") as stream, translation.override(job.language):
        report = sales_import(data=stream, progress=lambda rows: cache.set(_progress_key(job.pk), rows, 86400))
    job.status = SalesImport.Status.FAILED if report.errors else SalesImport.Status.DONE
    job.applied, job.errors, job.finished_at = report.applied, report.errors, timezone.now()
    job.file.delete(save=False)
    job.save()
    return job


IMPORT_TIME_LIMIT = 3000  # industry.import_sales's hard time limit (s): a run older than that is dead


def sales_imports_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again the imports whose task was lost: waiting for over ten minutes, or "running"
    longer than the task may live (its worker was killed). Returns how many."""
    now = now or timezone.now()
    lost = list(SalesImport.objects.filter(
        Q(status=SalesImport.Status.QUEUED, created_at__lt=now - datetime.timedelta(minutes=10))
        | Q(status=SalesImport.Status.RUNNING, started_at__lt=now - datetime.timedelta(seconds=IMPORT_TIME_LIMIT)))
        .values_list("pk", flat=True))
    for pk in lost:
        task_queue_best_effort(IMPORT_TASK, pk)
    return len(lost)
