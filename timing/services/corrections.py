"""The organizer's corrections, each recorded with who and why (a `Correction` row): a passing added
by hand (a missed read), moved (another time or checkpoint: the old one is voided, a new one added),
deleted (voided, kept); a rider withdrawn at a checkpoint (a helper took them off the course) or
disqualified, and that ruling lifted. Each recounts the rider."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from events.models import Event, Registration
from timing.errors import TimingCode
from timing.models import Checkpoint, Correction, Passing, Ruling
from timing.services.recount import results_recount


def _why(reason: str) -> str:
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise ServiceError(_("Say why: the correction is kept with your name."), TimingCode.CHECKPOINT_INVALID,
                           field="reason")
    return reason


def _rider(event: Event, bib: int) -> Registration:
    rider = Registration.objects.filter(event=event, bib=bib, status=Registration.Status.CONFIRMED).first()
    if rider is None:
        raise ServiceError(_("No confirmed rider has bib %(bib)s.") % {"bib": bib}, TimingCode.NOT_A_RIDER,
                           field="bib")
    return rider


def _record(event: Event, by, action: str, detail: str, reason: str, registration=None, passing=None) -> None:
    Correction.objects.create(event=event, by=by, action=action, detail=detail[:200], reason=reason,
                              registration=registration, passing=passing, at=timezone.now())


@transaction.atomic
def passing_add(*, event: Event, by, bib: int, checkpoint: Checkpoint, at: dt.datetime, reason: str) -> Passing:
    reason, rider = _why(reason), _rider(event, bib)
    passing = Passing.objects.create(event=event, device="manual", key=uuid.uuid4().hex, source=Passing.Source.MANUAL,
                                     point=checkpoint.point, code=str(bib), at=at, registration=rider,
                                     received_at=timezone.now())
    _record(event, by, Correction.Action.ADD, f"#{bib} {checkpoint.name} {at.isoformat()}", reason, rider, passing)
    results_recount(event=event, registration_ids={rider.pk})
    return passing


def _live(event: Event, passing_id: int) -> Passing:
    passing = Passing.objects.select_for_update().filter(event=event, pk=passing_id, voided_at=None).first()
    if passing is None:
        raise ServiceError(_("That passing was deleted or moved meanwhile."), TimingCode.PASSING_GONE)
    return passing


@transaction.atomic
def passing_delete(*, event: Event, by, passing_id: int, reason: str) -> None:
    reason, passing = _why(reason), _live(event, passing_id)
    passing.voided_at = timezone.now()
    passing.save(update_fields=["voided_at"])
    _record(event, by, Correction.Action.DELETE, str(passing), reason, passing.registration, passing)
    if passing.registration_id:
        results_recount(event=event, registration_ids={passing.registration_id})


@transaction.atomic
def passing_move(*, event: Event, by, passing_id: int, at: dt.datetime, checkpoint: Checkpoint | None,
                 reason: str) -> Passing:
    reason, old = _why(reason), _live(event, passing_id)
    old.voided_at = timezone.now()
    old.save(update_fields=["voided_at"])
    new = Passing.objects.create(event=event, device="manual", key=uuid.uuid4().hex, source=Passing.Source.MANUAL,
                                 point=checkpoint.point if checkpoint else old.point, code=old.code, at=at,
                                 registration_id=old.registration_id, received_at=timezone.now())
    _record(event, by, Correction.Action.MOVE, f"{old} -> {new}", reason, old.registration, new)
    if old.registration_id:
        results_recount(event=event, registration_ids={old.registration_id})
    return new


@transaction.atomic
def ruling_set(*, event: Event, by, bib: int, status: str, checkpoint: Checkpoint | None, reason: str) -> Ruling:
    """A rider withdrawn at a checkpoint (the organizer or a helper) or disqualified (the organizer)."""
    reason, rider = _why(reason), _rider(event, bib)
    if status not in Ruling.Status.values:
        raise ServiceError(_("Choose withdrawn or disqualified."), TimingCode.CHECKPOINT_INVALID, field="status")
    ruling, _made = Ruling.objects.update_or_create(registration=rider, defaults={
        "status": status, "checkpoint": checkpoint, "reason": reason})
    where = f" @ {checkpoint.name}" if checkpoint else ""
    _record(event, by, Correction.Action.RULING, f"#{bib} {status}{where}", reason, rider)
    results_recount(event=event, registration_ids={rider.pk})
    return ruling


@transaction.atomic
def ruling_lift(*, event: Event, by, bib: int, reason: str) -> None:
    reason, rider = _why(reason), _rider(event, bib)
    if Ruling.objects.filter(registration=rider).delete()[0]:
        _record(event, by, Correction.Action.LIFT, f"#{bib}", reason, rider)
        results_recount(event=event, registration_ids={rider.pk})
