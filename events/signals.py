"""What the events app tells other apps, and what it asks them (pretix's signals.py habit).

Events import no other app but accounts and routes: apps built on events (clubs, industry)
connect receivers here, in their AppConfig.ready().
"""

from typing import Any

from django.dispatch import Signal

# An event was marked completed (sent after commit). kwargs: event.
event_completed = Signal()
# Check-ins or results of an event changed (sent after commit). kwargs: event.
registrations_changed = Signal()
# Extra answer choices for a question kind that another app owns (the "brand" question:
# industry answers with its brands). kwargs: kind. Each receiver returns a list of
# events.questions.Choice, or None when the kind is not its own.
question_choices = Signal()
# Links for an event's organizers that other apps add to the manage page (pretix's nav_event).
# kwargs: event, request. Each receiver returns a list of (label, url).
organizer_links = Signal()
# Actions on a rider's own registration page that other apps add (payments: "pay by ..."). kwargs:
# registration, request. Each receiver returns a list of (label, url).
registration_links = Signal()
# What a rider owes for a registration waiting for payment (payments answers with its order).
# kwargs: registration. Each receiver returns a list of one dict, or None.
registration_payment = Signal()
# A seat is held until the rider pays (a sign-up in a paid category, or an offer from the
# waitlist). Sent inside the writing transaction, so the receiver's order is written with it.
# kwargs: registration, amount_fen, deadline.
payment_needed = Signal()
# The rider withdrew before paying: the order is no longer to be paid. Sent inside the writing
# transaction. kwargs: registration.
payment_withdrawn = Signal()


def answers(signal: Signal, **kwargs: Any) -> list:
    """Every item the receivers of an asking signal return, in one list (None answers nothing)."""
    return [item for _receiver, answer in signal.send(**kwargs) if answer for item in answer]
