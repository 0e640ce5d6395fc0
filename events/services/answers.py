"""Answers to an event's questions, checked against the questions (events/questions.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ServiceError
from events.models import Event, Question
from events.questions import answer_clean
from events.services.errors import RegistrationCode


def answers_clean(*, event: Event, answers: dict) -> dict:
    """Validate answers against the event's questions; returns them normalised.

    Raises ServiceError with the messages keyed by question key (`fields` in the API)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    answers = answers or {}
    questions = list(event.questions.all())
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

