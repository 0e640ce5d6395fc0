"""The events app's part of a rider's data (core.personal_data): their registrations with every
answer they gave, and the erasure that keeps the registrations (statistics) without the person."""

from __future__ import annotations

from typing import Any

from events.models import Registration


def export(user: Any) -> list[dict]:
    return [{"event": r.event.title, "category": r.category.name, "status": r.status, "bib": r.bib,
             "answers": r.answers, "waiver_accepted_at": r.waiver_accepted_at, "id_consent_at": r.id_consent_at,
             "registered_at": r.created_at, "checked_in_at": r.checked_in_at, "result": r.result,
             "finish_seconds": r.finish_seconds}
            for r in Registration.objects.filter(rider=user).select_related("event", "category").order_by("pk")]


def erase(user: Any) -> None:
    """Answers (ID numbers included) go; each registration keeps the rider's age on the event day,
    so that participation statistics computed again come out the same."""
    for registration in Registration.objects.filter(rider=user).select_related("event"):
        registration.rider_age = user.age_on(registration.event.starts_at.date()) if user.date_of_birth else None
        registration.answers = {}
        registration.save(update_fields=["rider_age", "answers"])
    Registration.objects.filter(transferred_from=user).update(transferred_from=None)
