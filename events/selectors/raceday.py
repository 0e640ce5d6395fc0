"""Reads for race day: the start list a check-in device keeps, and what changed since its last pull."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from core.models import Outbox, StatusChange
from core.transitions import subject_of
from events.models import Category, CheckinScan, ChipTag, Event, EventHelper, FieldMessage, Question, Registration, Wave
from events.selectors import event_get, is_organizer

SUBJECT = subject_of(Registration)  # a registration's status moves, as core.transitions records them


@dataclass(frozen=True)
class DeviceList:
    cursor: str  # give it back as `since` for what changed after this list
    full: bool  # every entry (no `since`), or only the changed ones
    entries: QuerySet[Registration]  # with rider, category, wave, chips and kit (read it in batches)
    id_questions: list[str]  # the keys of the event's national-ID questions


def can_check_in(*, user, event: Event) -> bool:
    """The event's organizers and the helpers who joined by its link."""
    return bool(user and user.is_authenticated) and (
        is_organizer(user=user, event=event) or EventHelper.objects.filter(event=event, user=user).exists())


def event_for_checkin(*, slug: str, user) -> Event:
    """The event if the user may check riders in; 404 otherwise (never confirms that it exists)."""
    event = event_get(slug=slug, user=user)
    if not can_check_in(user=user, event=event):
        raise Http404
    return event


def helpers_of(*, event: Event) -> QuerySet[EventHelper]:
    return EventHelper.objects.filter(event=event).select_related("user").order_by("added_at", "pk")


def _cursor(event: Event) -> tuple[int, int]:
    changes = StatusChange.objects.filter(subject=SUBJECT).aggregate(last=Max("pk"))["last"] or 0
    scans = CheckinScan.objects.filter(event=event).aggregate(last=Max("pk"))["last"] or 0
    return changes, scans


def parse_cursor(since: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{1,15})\.(\d{1,15})", since or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def device_start_list(*, event: Event, since: tuple[int, int] | None = None) -> DeviceList:
    """Every entry of the event a helper may meet (confirmed, and the ones withdrawn, cancelled or
    transferred so that a device learns of them), or, with `since`, those whose status moved or that
    were scanned after it (the API answers what a helper needs and no more: serializers.DeviceEntry)."""
    cursor = _cursor(event)  # read first: a change committed meanwhile comes again next time
    rows: QuerySet[Registration] = (event.registrations.exclude(status=Registration.Status.WAITLISTED)
                                    .select_related("rider", "category", "wave")
                                    .prefetch_related("chips", "items__addon", "items__variant")
                                    .order_by("pk"))
    if since is not None:
        moved = StatusChange.objects.filter(subject=SUBJECT, pk__gt=since[0]).values("object_id")
        scanned = CheckinScan.objects.filter(event=event, pk__gt=since[1]).values("registration_id")
        rows = rows.filter(pk__in=moved) | rows.filter(pk__in=scanned)
    ids = [q.key for q in event.questions.all() if q.kind == Question.Kind.NATIONAL_ID]
    return DeviceList(f"{cursor[0]}.{cursor[1]}", since is None, rows, ids)


def field_messages_kept(*, event: Event, limit: int = 50) -> list[FieldMessage]:
    """The messages sent to the event's riders, newest first, each with `delivery`: its outbox rows
    sent, waiting and failed (keyed field:<message>:<entry>, their object the message; one query)."""
    kept = list(event.field_messages.select_related("category", "wave", "by")[:limit])
    delivery = {row.pop("object_id"): row for row in Outbox.objects.filter(
        key__startswith="field:", object_id__in=[m.pk for m in kept]).values("object_id").annotate(
        sent=Count("pk", filter=Q(status__in=[Outbox.Status.SENT, Outbox.Status.SKIPPED])),
        pending=Count("pk", filter=Q(status=Outbox.Status.PENDING)),
        failed=Count("pk", filter=Q(status=Outbox.Status.FAILED)))}
    for message in kept:
        message.delivery = delivery.get(message.pk, {"sent": 0, "pending": 0, "failed": 0})  # type: ignore[attr-defined]
    return kept


def waves_of(category: Category) -> list[Wave]:
    """The category's start waves, in start order, each with `riders_count` (its confirmed riders)."""
    return list(category.waves.annotate(riders_count=Count("riders", filter=Q(
        riders__status=Registration.Status.CONFIRMED))).order_by("starts_at", "pk"))


def wave_of(*, category: Category, wave_id: int) -> Wave | None:
    return category.waves.filter(pk=wave_id).first()


def confirmed_by_bib(*, category: Category, bib: int) -> Registration | None:
    return Registration.objects.filter(category=category, bib=bib, status=Registration.Status.CONFIRMED).first()


def with_chip_tags(registrations: QuerySet, *, batch: int = 500) -> Iterator[tuple[Registration, str]]:
    """Each registration with its chip tags (sorted, space-separated), read `batch` at a time with
    one query for a batch's tags. Values, not objects: `prefetch_related("chips")` ties every chip
    and its registration in a reference cycle, so a streamed export of 5,000 riders held 24 MB until
    the garbage collector ran (bench/organizer_pages.py); this one stays at a batch."""
    rows = registrations.iterator(chunk_size=batch)
    while chunk := list(islice(rows, batch)):
        tags: dict[int, list[str]] = defaultdict(list)
        for registration_id, tag in ChipTag.objects.filter(registration__in=[r.pk for r in chunk]).values_list(
                "registration_id", "tag"):
            tags[registration_id].append(tag)
        for registration in chunk:
            yield registration, " ".join(sorted(tags.get(registration.pk, ())))
