"""A past event's participation recorded from elsewhere: an organizer's previous platform, or the
demo's synthetic history. Seats, check-ins and results as they were, each first status (and a
withdrawal) in the status history; nothing is sent to anyone and no money moves."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import transitions
from core.errors import ServiceError
from events.models import Category, Registration
from events.services.errors import EventCode
from events.services.seats import lock_category, new_checkin_key, recount

Status = Registration.Status
RECORDED = (Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED)


@dataclass
class PastEntry:
    rider: Any
    status: str  # confirmed, waitlisted or cancelled (a seat given up before the day)
    signed_up_at: datetime.datetime
    checked_in: bool = False
    result: str = ""  # a finish time, dnf or dsq: only for a rider who checked in


@transaction.atomic
def registrations_record_past(*, category: Category, entries: list[PastEntry], by: Any = None) -> int:
    """Record a category's past entries in one go (all or none); bibs in sign-up order from the
    category's range. Refused for an event that has not ended or a category that has entries."""
    event = category.event
    if event.ends_at > timezone.now():
        raise ServiceError(_("Past entries can be recorded only for an event that has ended."), EventCode.NOT_ENDED)
    category = lock_category(category)
    if category.registrations.exists():
        raise ServiceError(_("This category has entries already."), EventCode.HAS_ENTRIES)
    rows, bib = [], category.bib_start
    for entry in sorted(entries, key=lambda e: e.signed_up_at):
        if entry.status not in RECORDED:
            raise ServiceError(_("A past entry is confirmed, waitlisted or cancelled."), EventCode.PAST_ENTRY)
        if (entry.checked_in and entry.status != Status.CONFIRMED) or (entry.result and not entry.checked_in):
            raise ServiceError(_("Only a confirmed rider checks in, and only a rider who checked in has a result."),
                               EventCode.PAST_ENTRY)
        seated = entry.status == Status.CONFIRMED
        if seated and bib > category.bib_end:
            raise ServiceError(_("The category's bib range is used up."), EventCode.BIB_RANGES)
        rows.append(Registration(
            event=event, category=category, rider=entry.rider, status=entry.status, queued_at=entry.signed_up_at,
            bib=bib if seated else None, confirmed_at=entry.signed_up_at if seated else None,
            cancelled_at=entry.signed_up_at if entry.status == Status.CANCELLED else None,
            checked_in_at=event.starts_at if entry.checked_in else None, result=entry.result,
            checkin_key=new_checkin_key()))
        bib += seated
    made = Registration.objects.bulk_create(rows, batch_size=1000)
    for registration in made:  # created_at is set on insert: the sign-up's own time instead
        registration.created_at = registration.queued_at
    Registration.objects.bulk_update(made, ["created_at"], batch_size=1000)
    moves: list[tuple[int, str, str]] = [
        (r.pk, "", str(Status.CONFIRMED if r.status == Status.CANCELLED else r.status)) for r in made]
    moves += [(r.pk, str(Status.CONFIRMED), str(Status.CANCELLED)) for r in made if r.status == Status.CANCELLED]
    transitions.record(Registration, moves, table=Registration.TRANSITIONS, by=by,
                       why="recorded from a past event")
    category.next_bib = bib
    Category.objects.filter(pk=category.pk).update(next_bib=bib)
    recount(category)
    return len(made)
