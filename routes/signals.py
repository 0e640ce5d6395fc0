"""What the route library announces; other apps react (events records anytime challenges)."""

from django.dispatch import Signal

# sent on commit after a ride was matched: ride (routes.Ride), completions (list of routes.Completion)
ride_matched = Signal()
