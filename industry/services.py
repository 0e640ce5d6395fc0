"""Writes of the industry app besides the sales import and the statistics jobs."""

from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from core.queue import task_queue_best_effort
from events.models import Event
from industry.models import Brand, Sponsorship


@transaction.atomic
def sponsorship_set(*, event: Event, brand: Brand, tier: str) -> Sponsorship:
    """Add a sponsor to an event, or change its tier."""
    sponsorship, _created = Sponsorship.objects.update_or_create(event=event, brand=brand, defaults={"tier": tier})
    sponsorship.full_clean()
    return sponsorship


@transaction.atomic
def sponsorship_remove(*, event: Event, brand: Brand) -> None:
    Sponsorship.objects.filter(event=event, brand=brand).delete()


LINKAGE_TASK = "industry.prepare_linkage"  # industry/tasks.py; queued by name


def linkage_prepare(*, events: list[Event], months: int, viewer: User, channel: str, brand: Brand | None) -> None:
    """Ask a worker to compute a report a request may not (once a minute for the same report: the
    page that waits reloads every few seconds)."""
    event_ids = sorted(e.pk for e in events)
    key = f"industry:preparing:{event_ids}:{months}:{viewer.pk}:{channel}:{brand.pk if brand else ''}"
    if cache.add(key, 1, 60):
        task_queue_best_effort(LINKAGE_TASK, event_ids, months, viewer.pk, channel, brand.pk if brand else None)


def linkage_prepared(*, event_ids: list[int], months: int, viewer_id: int, channel: str, brand_id: int | None) -> int:
    """The worker's side: the whole report, its analyses left in the cache. Returns the brands."""
    from industry import selectors  # noqa: PLC0415 - selectors import services' models only

    viewer = User.objects.get(pk=viewer_id)
    events = list(Event.objects.filter(pk__in=event_ids).order_by("starts_at"))
    brand = Brand.objects.filter(pk=brand_id).first() if brand_id else None
    if not events:
        return 0
    return len(selectors.linkage(events=events, months=months, viewer=viewer, channel=channel,
                                 only_brand=brand).brands)
