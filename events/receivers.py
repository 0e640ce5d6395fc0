"""events reacting to other apps' signals."""

from django.dispatch import receiver

from events.services.challenges import challenge_progress
from routes.models import Ride
from routes.signals import ride_matched


@receiver(ride_matched, sender=Ride, dispatch_uid="events.challenge_progress")
def _ride_matched(sender, ride, completions, **kwargs) -> None:
    if any(c.complete for c in completions):
        challenge_progress(rider=ride.rider, ridden_at=ride.ridden_at)
