"""Organizer CSV exports, UTF-8 with a BOM so that Excel opens Chinese text correctly."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, Registration
from events.selectors import roster

KINDS = ("roster", "insurance", "checkin")


def _national_ids(event: Event, registration: Registration) -> str:
    keys = [q.key for q in event.questions.all() if q.kind == "national_id"]
    return " ".join(str(registration.answers.get(k, "")) for k in keys).strip()


def render(*, event: Event, kind: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = roster(event=event)
    questions = list(event.questions.all())
    if kind == "roster":
        writer.writerow([_("Bib"), _("Category"), _("Status"), _("Username"), _("Display name"), _("Real name"),
                         _("Mobile"), _("Registered at"), *[q.label for q in questions]])
        for r in rows:
            answers = [_masked(q, r.answers.get(q.key, "")) for q in questions]
            writer.writerow([r.bib or "", r.category.name, r.get_status_display(), r.rider.username,
                             r.rider.display_name, r.rider.real_name, r.rider.mobile,
                             timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"), *answers])
    elif kind == "insurance":
        writer.writerow([_("Bib"), _("Real name"), _("National ID number"), _("Gender"), _("Date of birth"),
                         _("Mobile"), _("Emergency contact"), _("Emergency phone")])
        for r in rows.filter(status=Registration.Status.CONFIRMED):
            writer.writerow([r.bib or "", r.rider.real_name, _national_ids(event, r), r.rider.get_gender_display(),
                             r.rider.date_of_birth or "", r.rider.mobile, r.rider.emergency_contact_name,
                             r.rider.emergency_contact_phone])
    else:
        writer.writerow([_("Bib"), _("Category"), _("Display name"), _("Real name"), _("Checked in")])
        for r in rows.filter(status=Registration.Status.CONFIRMED):
            at = timezone.localtime(r.checked_in_at).strftime("%H:%M") if r.checked_in_at else ""
            writer.writerow([r.bib or "", r.category.name, r.rider.display_name, r.rider.real_name, at])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _masked(question, value) -> str:
    from events.idcard import mask

    return mask(str(value)) if question.kind == "national_id" and value else str(value)
