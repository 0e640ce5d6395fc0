"""Timing chips (issue 28): tags on riders' entries, imported from the timing company's CSV of bib
and tag, one or two per entry, each unique in its event; every row good or none applied."""

from __future__ import annotations

import re
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.csv import csv_rows_bounded
from core.imports import ImportReport
from events.models import ChipTag, Event, Registration

MAX_TAGS = 2  # a chip on the bike and one on the bib, as timing companies issue them
TAG = re.compile(r"[A-Z0-9]{4,32}")


def tag_normalize(tag: str) -> str:
    return re.sub(r"[\s:-]", "", tag).upper()


def chips_import(*, event: Event, data: bytes) -> ImportReport:
    """A CSV with a header, then `bib,tag` rows (a bib may come on two rows for two tags)."""
    report = ImportReport()
    rows, problem = csv_rows_bounded(data)
    if problem:
        report.errors.append(problem)
        return report
    seats = {r.bib: r for r in Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
             .exclude(bib=None)}
    held = dict(ChipTag.objects.filter(event=event).values_list("tag", "registration_id"))
    count = Counter(held.values())
    made: list[ChipTag] = []
    seen: set[str] = set()
    now = timezone.now()
    for line, row in enumerate(rows[1:], start=2):
        bib_text, tag = ([*(cell.strip() for cell in row), "", ""])[:2]
        tag = tag_normalize(tag)
        seat = seats.get(int(bib_text)) if bib_text.isdigit() and len(bib_text) < 10 else None
        problem = None
        if seat is None:
            problem = _("no confirmed rider has bib %(bib)s") % {"bib": bib_text[:12]}
        elif not TAG.fullmatch(tag):
            problem = _("a chip tag is 4 to 32 letters and digits")
        elif tag in seen:
            problem = _("the chip tag appears twice")
        elif held.get(tag) not in (None, seat.pk):
            problem = _("the chip tag %(tag)s is another rider's") % {"tag": tag}
        elif held.get(tag) is None and count[seat.pk] >= MAX_TAGS:
            problem = _("bib %(bib)s would have more than two chip tags") % {"bib": seat.bib}
        if problem or seat is None:
            report.errors.append(_("Line %(line)s: %(problem)s.") % {"line": line, "problem": problem})
            continue
        seen.add(tag)
        if held.get(tag) is None:  # a tag the rider has already: imported again, nothing to do
            count[seat.pk] += 1
            made.append(ChipTag(event=event, registration=seat, tag=tag, created_at=now))
    if report.errors or not rows[1:]:
        if not rows[1:]:
            report.errors.append(_("The file has no chip tags."))
        return report
    try:
        with transaction.atomic():
            ChipTag.objects.bulk_create(made)
    except IntegrityError:  # another import took one of these tags meanwhile
        report.errors.append(_("Some of these chip tags were given to riders meanwhile: upload the file again."))
        return report
    report.applied = len(rows) - 1
    return report
