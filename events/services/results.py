"""Results: a CSV of `bib,time` or `bib,DNF|DNS|DSQ`, applied only when every row is good, only once the
event has started, and a time, DNF or DSQ only for a rider who checked in (otherwise DNS)."""

from __future__ import annotations

import re
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.csv import csv_rows_bounded
from core.imports import ImportReport
from core.parse import whole_number
from core.services import values_update
from events.models import Event, Registration
from events.signals import registrations_changed

_TIME = re.compile(r"(?:([0-9]{1,3}):)?([0-9]{1,2}):([0-9]{2})")
MAX_HOURS = 240  # a finish time beyond ten days is a typo
_OUTCOMES = ("DNF", "DNS", "DSQ")
_HEADER_WORDS = ("bib", "号码", "号码布")


def _seconds(text: str) -> int | None:
    match = _TIME.fullmatch(text)
    if not match:
        return None
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if minutes >= 60 or seconds >= 60 or hours > MAX_HOURS:
        return None
    return hours * 3600 + minutes * 60 + seconds


@transaction.atomic
def results_import(*, event: Event, data: bytes) -> ImportReport:
    """CSV rows `bib,time` (H:MM:SS) or `bib,DNF|DNS|DSQ`; nothing is applied unless every row is good."""
    report = ImportReport()
    if event.starts_at > timezone.now():
        report.errors.append(_("Results can be uploaded once the event has started (it starts %(when)s).")
                             % {"when": date_format(timezone.localtime(event.starts_at), "DATETIME_FORMAT")})
        return report
    rows, problem = csv_rows_bounded(data)
    if problem:
        report.errors.append(problem)
        return report
    by_bib = {r.bib: r for r in event.registrations.filter(status=Registration.Status.CONFIRMED, bib__isnull=False)}
    seen: set[int] = set()
    updates = []
    for line_number, row in enumerate(rows, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_number == 1 and row[0].strip().lower() in _HEADER_WORDS:
            continue
        if len(row) < 2:
            report.errors.append(_("Line %(line)s: expected a bib and a time or DNF/DNS/DSQ.") % {"line": line_number})
            continue
        bib_text, value = row[0].strip(), row[1].strip()
        bib = whole_number(bib_text)
        if bib is None or bib not in by_bib:
            report.errors.append(_("Line %(line)s: no confirmed rider has bib %(bib)s.")
                                 % {"line": line_number, "bib": bib_text})
            continue
        if bib in seen:
            report.errors.append(_("Line %(line)s: bib %(bib)s appears twice.") % {"line": line_number, "bib": bib})
            continue
        seen.add(bib)
        registration = by_bib[bib]
        if registration.checked_in_at is None and value.upper() != "DNS":
            report.errors.append(_("Line %(line)s: bib %(bib)s never checked in, so the only possible result is "
                                   "DNS (did not start).") % {"line": line_number, "bib": bib})
            continue
        if value.upper() in _OUTCOMES:
            registration.result, registration.finish_seconds = value.lower(), None
        elif (seconds := _seconds(value)) is not None:
            registration.result, registration.finish_seconds = Registration.Result.FINISHED, seconds
        else:
            report.errors.append(_("Line %(line)s: \"%(value)s\" is not a time (H:MM:SS) or DNF/DNS/DSQ.")
                                 % {"line": line_number, "value": value})
            continue
        updates.append(registration)
    if not updates and not report.errors:
        report.errors.append(_("The file has no result rows."))
    if report.errors:
        return report
    Registration.objects.filter(event=event).update(result="", finish_seconds=None)
    values_update(Registration, ["result", "finish_seconds"],
                  [(r.pk, r.result, r.finish_seconds) for r in updates], casts=["", "INTEGER"])
    report.applied = len(updates)
    transaction.on_commit(partial(registrations_changed.send, sender=Event, event=event))
    return report
