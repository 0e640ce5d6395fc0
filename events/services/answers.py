"""Answers to an event's questions, checked against the questions (events/questions.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Gender, User
from core.errors import ServiceError
from events import idcard
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


def event_questions(event: Event) -> list[Question]:
    """The event's questions: the list the sign-up's cached category carries with its event
    (selectors.category_for_registration: no query, and no related manager made for each of the
    three readers of a sign-up), else read."""
    cached = getattr(event, "_prefetched_objects_cache", {}).get("questions")
    return cached if isinstance(cached, list) else list(event.questions.all())


def answers_clean(*, event: Event, answers: dict) -> dict:
    """Validate answers against the event's questions; returns them normalised.

    Raises ServiceError with the messages keyed by question key (`fields` in the API)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    answers = answers or {}
    questions = event_questions(event)
    if not answers and not questions:  # nothing asked, nothing given (most sign-ups of a rush)
        return cleaned
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



def identity_check(*, event: Event, rider: User, answers: dict, id_consent: bool, fill_profile: bool) -> dict:
    """Real name: an ID number given for insurance needs the rider's separate consent (PIPL), and
    must agree with the profile (birth date: the age rules use it; the gender digit). A profile
    without a birth date or gender is filled from the ID when the rider says so. Returns the
    profile fields to fill; refuses with the field at fault."""
    asked = [q for q in event_questions(event) if q.kind == Question.Kind.NATIONAL_ID]
    if asked and not (rider.real_name or "").strip():  # the insurer needs the name that goes with the number
        raise ServiceError(_("This event asks for your ID number for its insurance: add your real name, as on your "
                             "ID card, to your profile first."), RegistrationCode.REAL_NAME, field="real_name")
    keys = [q.key for q in asked if answers.get(q.key)]
    if not keys:
        return {}
    if not id_consent:
        raise ServiceError(_("Agree to give your ID number for the event's insurance, or you cannot register."),
                           RegistrationCode.ID_CONSENT, field="id_consent")
    fill: dict = {}
    for key in keys:
        number = str(answers[key])
        born, sex = idcard.birth_date(number), idcard.gender(number)
        if rider.date_of_birth and rider.date_of_birth != born:
            raise ServiceError(_("The birth date in this ID number (%(id)s) is not the one in your profile "
                                 "(%(profile)s). Check the number, or correct your profile.")
                               % {"id": born.isoformat(), "profile": rider.date_of_birth.isoformat()},
                               RegistrationCode.ID_MISMATCH, field=f"q_{key}")
        if rider.gender in (Gender.MALE, Gender.FEMALE) and rider.gender != sex:
            raise ServiceError(_("The gender in this ID number does not match your profile. Check the number, or "
                                 "correct your profile."), RegistrationCode.ID_MISMATCH, field=f"q_{key}")
        if not rider.date_of_birth:
            fill["date_of_birth"] = born
        if rider.gender not in (Gender.MALE, Gender.FEMALE):
            fill["gender"] = sex
    if fill and not fill_profile:
        raise ServiceError(_("Your profile has no birth date or gender yet: tick the box to fill them from your ID "
                             "number (born %(born)s, %(gender)s).")
                           % {"born": fill.get("date_of_birth", rider.date_of_birth),
                              "gender": Gender(fill.get("gender", rider.gender)).label},
                           RegistrationCode.ID_FILL_PROFILE, field="fill_profile")
    return fill
