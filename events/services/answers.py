"""Answers to an event's questions, checked against the questions (events/questions.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ServiceError
from events.models import Event, Question
from events.questions import answer_clean
from events.services.errors import RegistrationCode

EXTRA_ANSWERS = 10  # unknown keys beyond the questions are refused one by one up to this many, then at once


def _control_characters(value: object) -> bool:
    """NUL and the other C0 controls (a line break or tab in a text answer is fine): PostgreSQL
    cannot store NUL, and none belongs in an answer."""
    if isinstance(value, list):
        return any(_control_characters(item) for item in value)
    return isinstance(value, str) and any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value)


def answers_clean(*, event: Event, answers: dict) -> dict:
    """Validate answers against the event's questions; returns them normalised.

    Raises ServiceError with the messages keyed by question key (`fields` in the API)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    answers = answers or {}
    questions = list(event.questions.all())
    if not isinstance(answers, dict) or len(answers) > len(questions) + EXTRA_ANSWERS:
        raise ServiceError(_("Too many answers: this event asks %(count)s questions.") % {"count": len(questions)},
                           RegistrationCode.ANSWERS)
    for key, raw in answers.items():
        if _control_characters(key) or _control_characters(raw):
            errors[str(key)[:40]] = [_("Remove the control characters from this answer.")]
    if errors:
        raise ServiceError(errors, RegistrationCode.ANSWERS)
    for question in questions:
        raw = answers.get(question.key)
        if raw in (None, "", []):
            if question.required:
                errors[question.key] = [_("Answer yes or no.") if question.kind == Question.Kind.YES_NO
                                        else _("This question is required.")]
            continue
        try:
            cleaned[question.key] = answer_clean(question, raw)
        except ValueError as exc:
            errors[question.key] = [str(exc)]
    for key in set(answers) - {q.key for q in questions}:
        errors[key] = [_("There is no such question.")]
    if errors:
        raise ServiceError(errors, RegistrationCode.ANSWERS)
    return cleaned

