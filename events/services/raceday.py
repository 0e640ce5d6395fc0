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
from events.services.checkin import code_ids, code_matches
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
    """Apply a device's batch (at most SYNC_LIMIT items), each item answered on its own (one refusal
    does not stop the rest), in one transaction of a few statements; those who react to check-ins
    hear of the batch once."""
    scans = scans[:SYNC_LIMIT]
    for attempt in range(3):
        try:
            answers = _sync(event, by, scans)
            break
        except IntegrityError:  # another sync inserted some of these nonces first: now duplicates
            if attempt == 2:
                raise
    if any(answer.outcome == "applied" for answer in answers):
        transaction.on_commit(partial(registrations_changed.send, sender=Event, event=event))
    return answers


def _field(action: str) -> str:
    return "picked_up_at" if action == CheckinScan.Action.PICKUP else "checked_in_at"


@transaction.atomic
def _sync(event: Event, by: User, scans: list[Scan]) -> list[ScanAnswer]:
    """The entries the batch names are locked first (in id order, so two batches never wait on each
    other in a circle); a concurrent sync of the same nonces therefore waits here and then reads
    them as taken. The nonces are inserted in order too; a clash that still happens (the same
    nonces sent for other entries) fails the transaction and the batch is read again."""
    now = timezone.now()
    ids = {pk for scan in scans for pk in (code_ids(scan.code) if scan.code else [scan.registration or 0])}
    entries = {r.pk: r for r in Registration.objects.select_for_update().filter(event=event, pk__in=ids)
               .order_by("pk").only("pk", "event_id", "status", "checkin_key", "checked_in_at", "picked_up_at")}
    earlier = {row["nonce"]: (row["reason"], row["registration_id"]) for row in CheckinScan.objects.filter(
        event=event, nonce__in={s.nonce for s in scans}).values("nonce", "reason", "registration_id")}
    keys = {pk: r.checkin_key for pk, r in entries.items()}
    rows: dict[str, CheckinScan] = {}
    applied: dict[str, Registration] = {}  # nonce -> the entry it moved (or found already moved)
    moved: dict[int, Registration] = {}
    for scan in scans:
        if scan.nonce in earlier or scan.nonce in rows:
            continue
        row = rows[scan.nonce] = CheckinScan(event=event, nonce=scan.nonce, action=scan.action, at=scan.at,
                                              device=scan.device, by=by, received_at=now,
                                              outcome=CheckinScan.Outcome.REFUSED)
        pk = code_matches(scan.code, keys) if scan.code else scan.registration
        entry = entries.get(pk) if pk is not None else None
        if scan.at > now + CLOCK_SLACK:
            row.reason = ScanReason.FUTURE_TIME
        elif pk is None:
            row.reason = ScanReason.INVALID_CODE
        elif entry is None:
            row.reason = ScanReason.NO_SUCH_ENTRY
        elif entry.status != Registration.Status.CONFIRMED:
            row.registration, row.reason = entry, ScanReason.NOT_CONFIRMED
        else:
            row.registration, row.outcome, applied[scan.nonce] = entry, CheckinScan.Outcome.APPLIED, entry
            field = _field(scan.action)
            current = getattr(entry, field)
            if current is None or scan.at < current:  # two devices scanned one rider: the first scan's time
                setattr(entry, field, scan.at)
                moved[entry.pk] = entry
    CheckinScan.objects.bulk_create([rows[nonce] for nonce in sorted(rows)])
    if moved:
        Registration.objects.bulk_update(list(moved.values()), ["checked_in_at", "picked_up_at"])
    answers, answered = [], set()
    for scan in scans:
        first = rows.get(scan.nonce)
        if first is None or scan.nonce in answered:  # synced before, or twice in this batch
            reason, registration = (earlier[scan.nonce] if first is None
                                    else (first.reason, first.registration_id))
            answers.append(ScanAnswer(scan.nonce, "duplicate", reason, registration))
        elif scan.nonce in applied:
            answers.append(ScanAnswer(scan.nonce, "applied", "", first.registration_id,
                                      getattr(applied[scan.nonce], _field(scan.action))))
        else:
            answers.append(ScanAnswer(scan.nonce, "refused", first.reason, first.registration_id))
        answered.add(scan.nonce)
    return answers
