"""Bib numbers written by an organizer: "1-10, 88, 888" (commas, Chinese commas or spaces between;
a hyphen or a tilde for a span). Used for a category's reserved numbers (issue 28)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_NUMBERS = 5000  # a span wider than this is a typo (1-100000), not a stack of spare bibs
_PART = re.compile(r"^(\d{1,7})(?:-(\d{1,7}))?$")


def bib_numbers(text: str) -> frozenset[int]:
    """The numbers written; ValueError (in the user's language) for anything else."""
    found: set[int] = set()
    text = re.sub(r"\s*[-~～–]\s*", "-", text or "")
    for part in filter(None, re.split(r"[,，、;；\s]+", text)):
        match = _PART.match(part)
        if not match:
            raise ValueError(_("“%(part)s” is not a bib number or a span like 1-10.") % {"part": part[:20]})
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if first > last or last - first >= MAX_NUMBERS:
            raise ValueError(_("The span %(part)s is backwards or too wide.") % {"part": part[:20]})
        found.update(range(first, last + 1))
        if len(found) > MAX_NUMBERS:
            raise ValueError(_("At most %(n)s reserved numbers.") % {"n": MAX_NUMBERS})
    return frozenset(found)


def bib_numbers_validator(text: str) -> None:
    try:
        bib_numbers(text)
    except ValueError as error:
        raise ValidationError(str(error)) from error
