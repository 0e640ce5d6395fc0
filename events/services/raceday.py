"""Race day with no signal (issue 28): what check-in devices did offline, synced in batches.

Every action a device takes carries a nonce and the time it was taken. A batch is answered item by
item: `applied`, `duplicate` (this nonce was synced before: the first answer stands, nothing
changes) or `refused` with a reason the helper is shown as a conflict to resolve. The rules are in
docs/raceday.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from events.models import CheckinScan, Event, Registration
from events.services.checkin import registration_for_code
from events.signals import registrations_changed

SYNC_LIMIT = 500  # items a batch; a device sends the rest in the next one
CLOCK_SLACK = datetime.timedelta(minutes=10)  # a device's clock ahead of ours by more: refused


class ScanReason(StrEnum):
    INVALID_CODE = "invalid_code"
    NO_SUCH_ENTRY = "no_such_entry"
    NOT_CONFIRMED = "not_confirmed"
    FUTURE_TIME = "future_time"


REASONS = {
    ScanReason.INVALID_CODE: _("This code is not a current entry of this event (a code given up in a transfer "
                               "is no longer valid)."),
    ScanReason.NO_SUCH_ENTRY: _("This event has no such entry."),
    ScanReason.NOT_CONFIRMED: _("This entry is not confirmed (withdrawn, cancelled or still waiting)."),
    ScanReason.FUTURE_TIME: _("The device's clock is ahead: check its date and time, then scan again."),
}


@dataclass(frozen=True)
class Scan:
    nonce: str
    action: str  # CheckinScan.Action
    at: datetime.datetime
    device: str = ""
    code: str = ""
    registration: int | None = None


@dataclass(frozen=True)
class ScanAnswer:
    nonce: str
    outcome: str  # "applied", "duplicate" or "refused"
    reason: str = ""
    registration: int | None = None
    at: datetime.datetime | None = None  # the registration's check-in or pick-up time after the scan


def checkins_sync(*, event: Event, by: User, scans: list[Scan]) -> list[ScanAnswer]:
    """Apply a device's batch, each item on its own (one refusal does not stop the rest); those who
    react to check-ins hear of the batch once."""
    answers = [_one(event, by, scan) for scan in scans[:SYNC_LIMIT]]
    if any(answer.outcome == "applied" for answer in answers):
        transaction.on_commit(partial(registrations_changed.send, sender=Event, event=event))
    return answers


def _field(action: str) -> str:
    return "picked_up_at" if action == CheckinScan.Action.PICKUP else "checked_in_at"


@transaction.atomic
def _one(event: Event, by: User, scan: Scan) -> ScanAnswer:
    now = timezone.now()
    try:  # the nonce first: a concurrent sync of the same batch waits here, then finds it taken
        with transaction.atomic():
            row = CheckinScan.objects.create(event=event, nonce=scan.nonce, action=scan.action, at=scan.at,
                                             device=scan.device, by=by, received_at=now,
                                             outcome=CheckinScan.Outcome.REFUSED)
    except IntegrityError:
        first = CheckinScan.objects.get(event=event, nonce=scan.nonce)
        return ScanAnswer(scan.nonce, "duplicate", first.reason, first.registration_id)
    if scan.at > now + CLOCK_SLACK:
        return _refuse(row, ScanReason.FUTURE_TIME)
    pk = registration_for_code(event=event, code=scan.code) if scan.code else scan.registration
    if pk is None:
        return _refuse(row, ScanReason.INVALID_CODE)
    registration = Registration.objects.select_for_update().filter(pk=pk, event=event).first()
    if registration is None:
        return _refuse(row, ScanReason.NO_SUCH_ENTRY)
    row.registration = registration
    if registration.status != Registration.Status.CONFIRMED:
        return _refuse(row, ScanReason.NOT_CONFIRMED)
    field = _field(scan.action)
    current = getattr(registration, field)
    if current is None or scan.at < current:  # two devices scanned one rider: the first scan's time
        setattr(registration, field, scan.at)
        registration.save(update_fields=[field])
    row.outcome = CheckinScan.Outcome.APPLIED
    row.save(update_fields=["outcome", "registration"])
    return ScanAnswer(scan.nonce, "applied", "", registration.pk, getattr(registration, field))


def _refuse(row: CheckinScan, reason: ScanReason) -> ScanAnswer:
    row.reason = reason
    row.save(update_fields=["reason", "registration"])
    return ScanAnswer(row.nonce, "refused", reason, row.registration_id)
