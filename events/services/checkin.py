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
from django.utils.crypto import constant_time_compare, salted_hmac

from events.models import Event, Registration
from events.signals import registrations_changed

CHECKIN_SALT = "events.checkin"
SIGNATURE_LENGTH = 12
# Riders read codes aloud and type them on phones: digits and capitals without the look-alikes
# 0/O, 1/I/L and U/V (30 symbols, 12 of them: 59 bits), in groups of four, read in any case.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE = re.compile(rf"(\d+)((?:[\s-]*[{ALPHABET}]){{{SIGNATURE_LENGTH}}})(?![{ALPHABET}])", re.IGNORECASE)
# Codes made before issue 25 (12 characters of URL-safe base64, case-sensitive) still check in.
_OLD_CODE = re.compile(rf"(\d+)-([A-Za-z0-9_-]{{{SIGNATURE_LENGTH}}})")


def _signature(pk: int | str, key: str) -> str:
    number = int.from_bytes(salted_hmac(CHECKIN_SALT, f"{pk}:{key}", algorithm="sha256").digest(), "big")
    symbols = []
    for _ in range(SIGNATURE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    return "".join(symbols)


def _old_signature(pk: int | str, key: str) -> str:
    return signing.Signer(salt=CHECKIN_SALT).signature(f"{pk}:{key}")[:SIGNATURE_LENGTH]


def checkin_code(registration: Registration) -> str:
    """The code in the rider's QR and under it: the registration id and a 12-symbol signature of the id
    and the seat's check-in key (a new key on transfer: the previous holder's QR stops working),
    grouped as 2118-K7QM-X3RT-PW9D."""
    signature = _signature(registration.pk, registration.checkin_key)
    return "-".join([str(registration.pk), *(signature[i:i + 4] for i in range(0, SIGNATURE_LENGTH, 4))])


def _candidates(code: str) -> list[tuple[str, str, bool]]:
    """(id, signature, old format?) readings of what was scanned or typed: spaces, hyphens and case
    ignored in the new format; an old code is read as it was printed."""
    code = code.strip()
    found = []
    if match := _CODE.search(code):
        found.append((match.group(1), re.sub(r"[\s-]", "", match.group(2)).upper(), False))
    if match := _OLD_CODE.search(code):
        found.append((match.group(1), match.group(2), True))
    return found


class CheckinOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    INVALID = "invalid"


@dataclass
class CheckinResult:
    outcome: CheckinOutcome
    registration: Registration | None = None
    at: datetime.datetime | None = None


def code_ids(code: str) -> list[int]:
    """The registration ids a scanned or typed code may be of (checked against their keys by
    code_matches): what a batch locks before it reads them."""
    return [int(pk) for pk, _signature_read, _old in _candidates(code) if len(pk) <= 15]  # (longer: no such id)


def code_matches(code: str, keys: dict[int, str]) -> int | None:
    """The id among `keys` (registration id -> its check-in key) whose current code this is."""
    for pk, signature, old in _candidates(code):
        key = keys.get(int(pk)) if len(pk) <= 15 else None
        if key is not None and constant_time_compare(signature, (_old_signature if old else _signature)(pk, key)):
            return int(pk)
    return None


def registration_for_code(*, event: Event, code: str) -> int | None:
    """The id of this event's registration whose current code this is; None for anything else (a
    code of another event, a mistyped one, the previous holder's code after a transfer)."""
    keys = dict(Registration.objects.filter(pk__in=code_ids(code), event=event).values_list("pk", "checkin_key"))
    return code_matches(code, keys)


@transaction.atomic
def checkin(*, event: Event, code: str) -> CheckinResult:
    pk = registration_for_code(event=event, code=code)
    return CheckinResult(CheckinOutcome.INVALID) if pk is None else _check_in(event, pk)


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
