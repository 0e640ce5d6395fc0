"""Check-in: the signed code in a rider's QR, and checking it at the start."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from events.models import Event, Registration
from events.signals import registrations_changed

CHECKIN_SALT = "events.checkin"
SIGNATURE_LENGTH = 12
_CODE = re.compile(rf"(\d+)-([A-Za-z0-9_-]{{{SIGNATURE_LENGTH}}})")


def checkin_code(registration: Registration) -> str:
    """The code in the rider's QR: the registration id and a 12-character signature."""
    signature = signing.Signer(salt=CHECKIN_SALT).signature(str(registration.pk))[:SIGNATURE_LENGTH]
    return f"{registration.pk}-{signature}"


class CheckinOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    INVALID = "invalid"


@dataclass
class CheckinResult:
    outcome: CheckinOutcome
    registration: Registration | None = None
    at: datetime.datetime | None = None


@transaction.atomic
def checkin(*, event: Event, code: str) -> CheckinResult:
    match = _CODE.search(code.strip())
    if not match:
        return CheckinResult(CheckinOutcome.INVALID)
    pk, signature = match.groups()
    expected = signing.Signer(salt=CHECKIN_SALT).signature(pk)[:SIGNATURE_LENGTH]
    if not constant_time_compare(signature, expected):
        return CheckinResult(CheckinOutcome.INVALID)
    return _check_in(event, int(pk))


@transaction.atomic
def checkin_by_id(*, event: Event, registration_id: int) -> CheckinResult:
    """The organizer found the rider by name, bib or phone (no code at hand)."""
    return _check_in(event, registration_id)


def _check_in(event: Event, registration_id: int) -> CheckinResult:
    registration = (Registration.objects.select_for_update().select_related("rider", "category")
                    .filter(pk=registration_id, event=event, status=Registration.Status.CONFIRMED).first())
    if registration is None:
        return CheckinResult(CheckinOutcome.INVALID)
    if registration.checked_in_at:
        return CheckinResult(CheckinOutcome.ALREADY, registration, registration.checked_in_at)
    registration.checked_in_at = timezone.now()
    registration.save(update_fields=["checked_in_at"])
    transaction.on_commit(partial(registrations_changed.send, sender=Event, event=event))
    return CheckinResult(CheckinOutcome.CHECKED_IN, registration, registration.checked_in_at)
