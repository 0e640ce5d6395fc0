"""Anytime challenges: an event with a date window and routes; an entrant finishes it by uploading
rides that complete every route within the window (routes.signals.ride_matched calls us). The
result feeds the participation statistics like any other event's."""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.models import Event, Registration
from events.signals import registrations_changed
from routes.selectors import completed_routes


def challenge_routes_of(registration: Registration) -> set[int]:
    """The routes an entrant must complete: the event's, else their category's route."""
    event = registration.event
    routes = set(event.challenge_routes.values_list("pk", flat=True))
    version = registration.category.route_version
    if not routes and version is not None:
        routes = {version.route_id}
    return routes


@transaction.atomic
def challenge_progress(*, rider: User, ridden_at: datetime.datetime) -> list[Registration]:
    """Record the challenges a new ride finished for the rider; returns the registrations finished now."""
    entries = (Registration.objects.select_for_update(of=("self",))
               .filter(rider=rider, status=Registration.Status.CONFIRMED, event__kind=Event.Kind.CHALLENGE,
                       event__status__in=(Event.Status.PUBLISHED, Event.Status.COMPLETED),
                       event__starts_at__lte=ridden_at, event__ends_at__gte=ridden_at)
               .exclude(result=Registration.Result.FINISHED)
               .select_related("event", "category__route_version"))
    finished = []
    for entry in entries:
        needed = challenge_routes_of(entry)
        done = completed_routes(rider=rider, since=entry.event.starts_at, until=entry.event.ends_at)
        if not needed or not needed <= set(done):
            continue
        times = [done[pk] for pk in needed]
        entry.result = Registration.Result.FINISHED
        entry.finish_seconds = round(sum(t for t in times if t is not None)) if all(t is not None for t in times) \
            else None
        entry.checked_in_at = entry.checked_in_at or timezone.now()
        entry.save(update_fields=["result", "finish_seconds", "checked_in_at"])
        finished.append(entry)
        transaction.on_commit(partial(registrations_changed.send, sender=Event, event=entry.event))
    return finished
