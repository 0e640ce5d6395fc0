"""Parsing what people type: numbers in ASCII digits only (Python's isdigit() also accepts "²" and other
digits int() refuses) and bounded, so a typo never reaches the database as an overflow; codes
(entry codes, coupons) without their spaces, in capitals."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")
INT_MAX = 2_147_483_647  # PostgreSQL integer


def whole_number(text: str, *, maximum: int = INT_MAX) -> int | None:
    """The number written as plain digits, or None when it is not one or exceeds `maximum`."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


def typed_code(text: str, *, length: int = 24) -> str:
    """A code as typed ("early 20 " -> "EARLY20"): no spaces, capitals, at most `length` characters."""
    return "".join(text.split()).upper()[:length]
