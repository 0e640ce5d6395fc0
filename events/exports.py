"""Organizer CSV exports (roster, insurance, check-in sheet), through core.csv: UTF-8 with a BOM so
that Excel opens Chinese text, and no rider-typed cell that a spreadsheet would run as a formula."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from core import times
from events.idcard import mask
from events.models import Event, Question, Registration
from events.selectors import roster
from events.selectors.raceday import with_chip_tags

KINDS = ("roster", "insurance", "checkin")


def _national_ids(questions: list[Question], registration: Registration) -> str:
    keys = [q.key for q in questions if q.kind == Question.Kind.NATIONAL_ID]
    return " ".join(str(registration.answers.get(k, "")) for k in keys).strip()


def _masked(question: Question, value: object) -> str:
    return mask(str(value)) if question.kind == Question.Kind.NATIONAL_ID and value else str(value)


def table(*, event: Event, kind: str) -> tuple[Sequence[str], Iterable[Sequence[object]]]:
    """The header and rows of one export; the rows are read 500 at a time as they are written
    (core.csv.csv_stream), never all at once."""
    rows = roster(event=event)
    questions = list(event.questions.all())
    if kind == "roster":
        return ([_("Bib"), _("Category"), _("Status"), _("Username"), _("Display name"), _("Real name"), _("Mobile"),
                 _("Registered at"), *[q.label for q in questions]],
                ([r.bib or "", r.category.name, r.get_status_display(), r.rider.username, r.rider.display_name,
                  r.rider.real_name, r.rider.mobile, times.when(r.created_at, event),
                  *[_masked(q, r.answers.get(q.key, "")) for q in questions]] for r in rows.iterator(chunk_size=500)))
    confirmed = rows.filter(status=Registration.Status.CONFIRMED, rider__is_active=True)
    if kind == "insurance":
        return ([_("Bib"), _("Real name"), _("National ID number"), _("Gender"), _("Date of birth"), _("Mobile"),
                 _("Emergency contact"), _("Emergency phone")],
                ([r.bib or "", r.rider.real_name, _national_ids(questions, r), r.rider.get_gender_display(),
                  r.rider.date_of_birth or "", r.rider.mobile, r.rider.emergency_contact_name,
                  r.rider.emergency_contact_phone] for r in confirmed.iterator(chunk_size=500)))
    return ([_("Bib"), _("Category"), _("Display name"), _("Real name"), _("Chip tags"), _("Checked in"),
             _("Start wave")],
            ([r.bib or "", r.category.name, r.rider.display_name, r.rider.real_name, tags,
              times.when(r.checked_in_at, event, "H:i"),
              f"{r.wave.name} {times.when(r.wave.starts_at, event, 'H:i')}" if r.wave else ""]
             for r, tags in with_chip_tags(confirmed.select_related("wave"))))
