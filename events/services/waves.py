"""Start waves (issue 28): waves per category with a start time and a size; the confirmed riders
seeded into them by a declared speed (a number question, fastest first) or by previous results
(their place in their last finished race, as a share of its finishers: best first); riders without
either follow in order of confirmation. The organizer moves a rider between waves of the category."""

from __future__ import annotations

import bisect
import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ServiceError
from events.models import Category, Event, Question, Registration, Wave
from events.services.errors import EventCode
from events.signals import registrations_changed

BY_RESULTS = "results"  # seeding by previous results; any other value names a number question's key


def _refuse(message: str, field: str | None = None) -> ServiceError:
    return ServiceError(message, EventCode.WAVES, field=field)


@transaction.atomic
def wave_add(*, category: Category, name: str, starts_at: datetime.datetime, size: int) -> Wave:
    name = " ".join((name or "").split())
    event = category.event
    if not name or len(name) > 40:
        raise _refuse(_("Name the wave (at most 40 characters)."), "name")
    if Wave.objects.filter(category=category, name=name).exists():
        raise _refuse(_("This category has a wave of that name already."), "name")
    if not event.starts_at - datetime.timedelta(hours=12) <= starts_at <= event.ends_at:
        raise _refuse(_("A wave starts on the event's day, before the event ends."), "starts_at")
    if size < 1:
        raise _refuse(_("A wave holds at least one rider."), "size")
    return Wave.objects.create(category=category, name=name, starts_at=starts_at, size=size)


@transaction.atomic
def wave_remove(*, wave: Wave) -> None:
    """Remove a wave; its riders have no wave until they are seeded or moved again."""
    event = wave.category.event
    wave.delete()
    _tell(event)


def _speed(registration: Registration, key: str) -> float | None:
    try:
        value = float(registration.answers.get(key))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _previous_places(category: Category, riders: list[Registration]) -> dict[int, float]:
    """Rider id -> place in their last finished race before this event, as a share of its finishers
    (0 the winner, near 1 the last): their last results read at once, then each of those races'
    finishing times once."""
    last: dict[int, tuple[int, int]] = {}  # rider -> (the race's category, their time)
    for rider_id, category_id, seconds in (
            Registration.objects.filter(rider_id__in=[r.rider_id for r in riders], result="finished",
                                        finish_seconds__isnull=False, event__starts_at__lt=category.event.starts_at)
            .order_by("event__starts_at").values_list("rider_id", "category_id", "finish_seconds")):
        last[rider_id] = (category_id, seconds or 0)  # the latest wins (times are there: filtered)
    fields: dict[int, list[int]] = {}
    for category_id, seconds in (Registration.objects.filter(
            category_id__in={c for c, _s in last.values()}, result="finished", finish_seconds__isnull=False)
            .order_by("finish_seconds").values_list("category_id", "finish_seconds")):
        fields.setdefault(category_id, []).append(seconds or 0)
    return {rider_id: bisect.bisect_left(fields[c], seconds) / len(fields[c])
            for rider_id, (c, seconds) in last.items()}


def _tell(event: Event) -> None:
    """Those who react to an event's entries (the devices' lists, the caches) hear of it after commit."""
    transaction.on_commit(lambda: registrations_changed.send(sender=Event, event=event))


@transaction.atomic
def waves_seed(*, category: Category, by: str) -> int:
    """Put every confirmed rider of the category into its waves, in start order, each wave up to
    its size; returns how many were seeded. Seeding again starts over (moves by hand are redone)."""
    locked = Category.objects.select_for_update().get(pk=category.pk)
    waves = list(locked.waves.order_by("starts_at", "pk"))
    if not waves:
        raise _refuse(_("Add the category's waves first."))
    riders = list(Registration.objects.filter(category=locked, status=Registration.Status.CONFIRMED)
                  .order_by("confirmed_at", "pk"))
    room = sum(w.size for w in waves)
    if len(riders) > room:
        raise _refuse(_("The waves hold %(room)s riders and %(n)s are confirmed: add a wave or make them larger.")
                      % {"room": room, "n": len(riders)})
    if by == BY_RESULTS:
        places = _previous_places(locked, riders)
        rank = {r.pk: places.get(r.rider_id) for r in riders}
        ordered = sorted(riders, key=lambda r: (rank[r.pk] is None, rank[r.pk] or 0))
    else:
        if not Question.objects.filter(event_id=locked.event_id, key=by, kind=Question.Kind.NUMBER).exists():
            raise _refuse(_("Seed by a number question of the event (a declared speed) or by previous results."),
                          "by")
        speeds = {r.pk: _speed(r, by) for r in riders}
        ordered = sorted(riders, key=lambda r: (speeds[r.pk] is None, -(speeds[r.pk] or 0)))  # fastest first
    slots = (wave for wave in waves for _ in range(wave.size))
    for registration, wave in zip(ordered, slots):
        registration.wave = wave
    Registration.objects.bulk_update(ordered, ["wave"], batch_size=1000)
    _tell(locked.event)
    return len(ordered)


@transaction.atomic
def registration_wave_move(*, registration: Registration, wave: Wave | None) -> Registration:
    """The organizer moves a confirmed rider to another wave of the category (or out of the waves)."""
    locked = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    if locked.status != Registration.Status.CONFIRMED:
        raise _refuse(_("Only a confirmed rider has a start wave."))
    if wave is not None:
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if wave.category_id != locked.category_id:
            raise _refuse(_("This wave is not of the rider's category."), "wave")
        held = Registration.objects.filter(wave=wave, status=Registration.Status.CONFIRMED).exclude(pk=locked.pk)
        if held.count() >= wave.size:
            raise _refuse(_("Wave %(name)s is full (%(size)s riders).") % {"name": wave.name, "size": wave.size},
                          "wave")
    locked.wave = wave
    locked.save(update_fields=["wave"])
    _tell(locked.event)
    return locked
