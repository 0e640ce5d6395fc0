"""The one place that knows each question kind: its choices and how an answer is checked.

The registration form (events/forms.py) and the answers service both read this table, so a
kind is added or changed here once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.signals import reply_items
from events import idcard
from events.models import Question
from events.signals import question_choices

TEXT_MAX_LENGTH = 500
_YES = ("true", "1", "yes", "on", "是")
_NO = ("false", "0", "no", "off", "否")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    aliases: tuple[str, ...] = field(default=())  # other spellings accepted as this value (API clients)


def choices(question: Question) -> list[Choice] | None:
    """The answers to pick from, or None when the answer is typed."""
    if question.kind == Question.Kind.CHOICE:
        return [Choice(str(c), str(c)) for c in question.choices]
    if question.kind == Question.Kind.YES_NO:
        return [Choice("yes", _("Yes")), Choice("no", _("No"))]
    if question.kind == Question.Kind.BRAND:
        return reply_items(question_choices, sender=Question, kind=question.kind)
    return None


def _text(question: Question, raw: object) -> str:
    text = str(raw).strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise ValueError(_("Keep the answer under %(count)s characters.") % {"count": TEXT_MAX_LENGTH})
    return text


def _choice(question: Question, raw: object) -> str:
    value = str(raw)
    options = choices(question) or []
    for option in options:
        if value == option.value or value == option.label or value.lower() in (a.lower() for a in option.aliases):
            return option.value
    if question.kind == Question.Kind.BRAND:
        raise ValueError(_("Choose a brand from the list."))
    raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(o.label for o in options)})


def _number(question: Question, raw: object) -> float:
    try:
        number = Decimal(str(raw))
    except ArithmeticError as exc:
        raise ValueError(_("Enter a number.")) from exc
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    return float(number)


def _date(question: Question, raw: object) -> str:
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    try:
        return datetime.date.fromisoformat(str(raw)).isoformat()
    except ValueError as exc:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from exc


def _yes_no(question: Question, raw: object) -> bool:
    value = str(raw).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(_("Answer yes or no."))


def _national_id(question: Question, raw: object) -> str:
    value = str(raw).strip().upper()
    if not idcard.is_valid(value):
        raise ValueError(_("This is not a valid mainland ID number (18 characters with a correct check digit)."))
    return value


CLEANERS: dict[str, Callable[[Question, object], object]] = {
    Question.Kind.TEXT: _text,
    Question.Kind.CHOICE: _choice,
    Question.Kind.NUMBER: _number,
    Question.Kind.DATE: _date,
    Question.Kind.YES_NO: _yes_no,
    Question.Kind.BRAND: _choice,
    Question.Kind.NATIONAL_ID: _national_id,
}


def answer_clean(question: Question, raw: object) -> object:
    """The stored form of an answer; ValueError with a message in the user's language."""
    cleaner = CLEANERS.get(question.kind)
    if cleaner is None:
        raise ValueError(_("Unknown question type."))
    return cleaner(question, raw)
