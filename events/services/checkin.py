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


def _signature(pk: int | str, key: str) -> str:
    return signing.Signer(salt=CHECKIN_SALT).signature(f"{pk}:{key}")[:SIGNATURE_LENGTH]


def checkin_code(registration: Registration) -> str:
    """The code in the rider's QR: the registration id and a 12-character signature of the id and
    the seat's check-in key (a new key on transfer: the previous holder's QR stops working)."""
    return f"{registration.pk}-{_signature(registration.pk, registration.checkin_key)}"


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
    if len(pk) > 15:  # no registration has such an id (and the database would refuse the number)
        return CheckinResult(CheckinOutcome.INVALID)
    key = Registration.objects.filter(pk=int(pk), event=event).values_list("checkin_key", flat=True).first()
    if key is None or not constant_time_compare(signature, _signature(pk, key)):
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
