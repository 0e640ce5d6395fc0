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

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.validators import normalize_phone
from core.errors import ServiceError
from events import testutils
from events.bibs import bib_numbers
from events.models import Category, CheckinScan, ChipTag, Event, LostBib, Registration
from events.services.checkin import code_ids, code_matches
from events.services.chips import MAX_TAGS, TAG, tag_normalize
from events.services.errors import RegistrationCode
from events.signals import registrations_changed

SYNC_LIMIT = 500  # items a batch; a device sends the rest in the next one
CLOCK_SLACK = datetime.timedelta(minutes=10)  # a device's clock ahead of ours by more: refused


class ScanReason(StrEnum):
    INVALID_CODE = "invalid_code"
    NO_SUCH_ENTRY = "no_such_entry"
    NOT_CONFIRMED = "not_confirmed"
    FUTURE_TIME = "future_time"
    BIB_NEEDED = "bib_needed"
    BIB_MISMATCH = "bib_mismatch"
    BIB_OUT_OF_RANGE = "bib_out_of_range"
    BIB_TAKEN = "bib_taken"
    BIB_LOST = "bib_lost"
    BIB_NOT_SPARE = "bib_not_spare"
    NO_BIB = "no_bib"
    CHIP_INVALID = "chip_invalid"
    CHIP_TAKEN = "chip_taken"
    TOO_MANY_CHIPS = "too_many_chips"


REASONS = {
    ScanReason.INVALID_CODE: _("This code is not a current entry of this event (a code given up in a transfer "
                               "is no longer valid)."),
    ScanReason.NO_SUCH_ENTRY: _("This event has no such entry."),
    ScanReason.NOT_CONFIRMED: _("This entry is not confirmed (withdrawn, cancelled or still waiting)."),
    ScanReason.FUTURE_TIME: _("The device's clock is ahead: check its date and time, then scan again."),
    ScanReason.BIB_NEEDED: _("This category's bibs are given at kit pick-up: type the number of the bib you hand "
                             "out."),
    ScanReason.BIB_MISMATCH: _("This rider's bib has another number: hand out the rider's own bib."),
    ScanReason.BIB_OUT_OF_RANGE: _("This number is not in the category's bib range."),
    ScanReason.BIB_TAKEN: _("Another rider of this event holds this bib number already."),
    ScanReason.BIB_LOST: _("This bib was reported lost: it is never given again."),
    ScanReason.BIB_NOT_SPARE: _("A new bib for a lost one is one of the category's reserved numbers (the spares)."),
    ScanReason.NO_BIB: _("This rider has no bib yet: record the kit pick-up with the bib instead."),
    ScanReason.CHIP_INVALID: _("A chip tag is 4 to 32 letters and digits."),
    ScanReason.CHIP_TAKEN: _("This chip tag is another rider's."),
    ScanReason.TOO_MANY_CHIPS: _("A rider has at most two chip tags."),
}


@dataclass(frozen=True)
class Scan:
    nonce: str
    action: str  # CheckinScan.Action
    at: datetime.datetime
    device: str = ""
    code: str = ""
    registration: int | None = None
    bib: int | None = None  # kit pick-up: the bib handed out; a new bib for a lost one: its number
    chips: tuple[str, ...] = ()  # kit pick-up: chip tags handed out (typed or scanned)


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
               .order_by("pk").only("pk", "event_id", "category_id", "status", "bib", "checkin_key", "checked_in_at",
                                    "picked_up_at")}
    earlier = {row["nonce"]: (row["reason"], row["registration_id"]) for row in CheckinScan.objects.filter(
        event=event, nonce__in={s.nonce for s in scans}).values("nonce", "reason", "registration_id")}
    keys = {pk: r.checkin_key for pk, r in entries.items()}
    bibs = _Bibs(event, entries.values(), scans)
    rows: dict[str, CheckinScan] = {}
    applied: dict[str, Registration] = {}  # nonce -> the entry it moved (or found already moved)
    moved: dict[int, Registration] = {}
    for scan in scans:
        if scan.nonce in earlier or scan.nonce in rows:
            continue
        row = rows[scan.nonce] = CheckinScan(event=event, nonce=scan.nonce, action=scan.action, at=scan.at,
                                              device=scan.device, by=by, received_at=now, bib=scan.bib,
                                              chips=" ".join(scan.chips)[:80], outcome=CheckinScan.Outcome.REFUSED)
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
        elif refusal := bibs.refusal(scan, entry):
            row.registration, row.reason = entry, refusal
        else:
            row.registration, row.outcome, applied[scan.nonce] = entry, CheckinScan.Outcome.APPLIED, entry
            if bibs.apply(scan, entry, by=by, now=now):
                moved[entry.pk] = entry
            if scan.action == CheckinScan.Action.REBIB:
                continue
            field = _field(scan.action)
            current = getattr(entry, field)
            if current is None or scan.at < current:  # two devices scanned one rider: the first scan's time
                setattr(entry, field, scan.at)
                moved[entry.pk] = entry
    testutils.sync_checked()  # (the race tests hold two syncs here: both checked, neither written)
    CheckinScan.objects.bulk_create([rows[nonce] for nonce in sorted(rows)])
    if moved:
        Registration.objects.bulk_update(sorted(moved.values(), key=lambda r: r.pk),
                                         ["checked_in_at", "picked_up_at", "bib"])
    bibs.save()
    answers, answered = [], set()
    for scan in scans:
        first = rows.get(scan.nonce)
        if first is None or scan.nonce in answered:  # synced before, or twice in this batch
            reason, registration = (earlier[scan.nonce] if first is None
                                    else (first.reason, first.registration_id))
            answers.append(ScanAnswer(scan.nonce, "duplicate", reason, registration))
        elif scan.nonce in applied:
            answers.append(ScanAnswer(scan.nonce, "applied", "", first.registration_id,
                                      None if scan.action == CheckinScan.Action.REBIB
                                      else getattr(applied[scan.nonce], _field(scan.action))))
        else:
            answers.append(ScanAnswer(scan.nonce, "refused", first.reason, first.registration_id))
        answered.add(scan.nonce)
    return answers


class _Bibs:
    """Bibs and chip tags handed out in one batch (kit pick-up, a new bib for a lost one): what the
    event's other entries hold is read once; what this batch gives counts as held for its later
    items. Two batches giving one number at once both pass here; the database's constraints keep
    one (bib_unique_per_event, chip_tag_once_per_event, lost_bib_once_per_event) and the other
    batch is read again (checkins_sync), its item then refused."""

    def __init__(self, event: Event, entries, scans: list[Scan]) -> None:
        self.event = event
        numbers = {s.bib for s in scans if s.bib is not None}
        tags = {tag_normalize(t) for s in scans for t in s.chips}
        self.held = dict(Registration.objects.filter(event=event, bib__in=numbers).values_list("bib", "pk"))
        self.lost = set(LostBib.objects.filter(event=event, bib__in=numbers).values_list("bib", flat=True))
        self.tags = dict(ChipTag.objects.filter(event=event, tag__in=tags).values_list("tag", "registration_id"))
        entry_ids = [e.pk for e in entries]
        self.counts: dict[int, int] = {}
        for registration_id in ChipTag.objects.filter(registration_id__in=entry_ids).values_list(
                "registration_id", flat=True):
            self.counts[registration_id] = self.counts.get(registration_id, 0) + 1
        self.categories = {c.pk: c for c in Category.objects.filter(event=event)}
        self.new_tags: list[ChipTag] = []
        self.new_lost: list[LostBib] = []

    def _number(self, number: int, entry: Registration) -> ScanReason | None:
        category = self.categories[entry.category_id]
        if not category.bib_start <= number <= category.bib_end:
            return ScanReason.BIB_OUT_OF_RANGE
        if number in self.lost:
            return ScanReason.BIB_LOST
        if self.held.get(number, entry.pk) != entry.pk:
            return ScanReason.BIB_TAKEN
        return None

    def refusal(self, scan: Scan, entry: Registration) -> ScanReason | None:
        category = self.categories[entry.category_id]
        if scan.action == CheckinScan.Action.REBIB:
            if entry.bib is None:
                return ScanReason.NO_BIB
            if scan.bib is None:
                return ScanReason.BIB_NEEDED
            if scan.bib == entry.bib:
                return ScanReason.BIB_TAKEN
            if refusal := self._number(scan.bib, entry):
                return refusal
            if category.bib_at == Category.BibAt.REGISTRATION and scan.bib not in bib_numbers(category.bib_reserved):
                return ScanReason.BIB_NOT_SPARE
            return None
        if scan.action == CheckinScan.Action.PICKUP:
            if entry.bib is None and category.bib_at == Category.BibAt.PICKUP:
                if scan.bib is None:
                    return ScanReason.BIB_NEEDED
                if refusal := self._number(scan.bib, entry):
                    return refusal
            elif scan.bib is not None and scan.bib != entry.bib:
                return ScanReason.BIB_MISMATCH
            tags = [tag_normalize(t) for t in scan.chips]
            if any(not TAG.fullmatch(t) for t in tags):
                return ScanReason.CHIP_INVALID
            if any(self.tags.get(t, entry.pk) != entry.pk for t in tags):
                return ScanReason.CHIP_TAKEN
            new = {t for t in tags if t not in self.tags}
            if self.counts.get(entry.pk, 0) + len(new) > MAX_TAGS:
                return ScanReason.TOO_MANY_CHIPS
        return None

    def apply(self, scan: Scan, entry: Registration, *, by: User, now: datetime.datetime) -> bool:
        """Give what the (accepted) item hands out; True when the entry's bib changed."""
        if scan.action == CheckinScan.Action.PICKUP:
            for tag in dict.fromkeys(tag_normalize(t) for t in scan.chips):
                if tag not in self.tags:
                    self.tags[tag] = entry.pk
                    self.counts[entry.pk] = self.counts.get(entry.pk, 0) + 1
                    self.new_tags.append(ChipTag(event=self.event, registration=entry, tag=tag, created_at=now))
        if scan.bib is None or scan.bib == entry.bib:
            return False
        if scan.action == CheckinScan.Action.REBIB and entry.bib is not None:
            self.lost.add(entry.bib)
            self.held.pop(entry.bib, None)
            self.new_lost.append(LostBib(event=self.event, bib=entry.bib, registration=entry, replaced_by=scan.bib,
                                         at=scan.at, by=by))
        elif scan.action != CheckinScan.Action.PICKUP:
            return False
        entry.bib = scan.bib
        self.held[scan.bib] = entry.pk
        return True

    def save(self) -> None:
        LostBib.objects.bulk_create(sorted(self.new_lost, key=lambda lost: lost.bib))
        ChipTag.objects.bulk_create(sorted(self.new_tags, key=lambda chip: chip.tag))


@transaction.atomic
def registration_proxy_set(*, registration: Registration, name: str, mobile: str) -> Registration:
    """The rider authorises someone to pick the kit up (Chinese races forbid proxy pick-up unless
    authorised): their name and mobile, shown to the check-in helpers, who check that person's ID
    card. Both empty: nobody but the rider. Until the event starts, for a confirmed entry."""
    locked = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    if locked.status != Registration.Status.CONFIRMED or locked.event.starts_at <= timezone.now():
        raise ServiceError(gettext("Only a confirmed entry can name someone to pick up its kit, until the event "
                                   "starts."),
                           RegistrationCode.PROXY)
    name, mobile = " ".join((name or "").split()), (mobile or "").strip()
    if name or mobile:
        if not name or len(name) > 40:
            raise ServiceError(gettext("Give the name of the person who picks up the kit, as on their ID card."),
                               RegistrationCode.PROXY, field="proxy_name")
        try:
            mobile = normalize_phone(mobile)
        except ValidationError as error:
            raise ServiceError(error.messages[0], RegistrationCode.PROXY, field="proxy_mobile") from error
    locked.proxy_name, locked.proxy_mobile = name, mobile
    locked.save(update_fields=["proxy_name", "proxy_mobile"])
    transaction.on_commit(partial(registrations_changed.send, sender=Event, event=locked.event))
    return locked
