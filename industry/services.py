"""Writes of the industry app besides the sales import and the statistics jobs."""

from django.db import transaction

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
