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
# A registration that held a seat (paid or not) was cancelled. Sent inside the writing transaction
# (payments withdraws its unpaid order, and refunds a paid one by the event's policy when the rider
# withdrew). kwargs: registration, by_rider.
registration_cancelled = Signal()
# The organizer cancelled the event. Sent inside the writing transaction (payments refunds every
# paid order in full). kwargs: event.
event_cancelled = Signal()
# A registration moved to a category with another price. Sent inside the writing transaction
# (payments gives a paid rider the difference back, or remakes an unpaid order at the new price).
# kwargs: registration, difference_fen.
registration_repriced = Signal()
# What a switch to a dearer category costs before it can happen (payments answers with the order's
# pay page). kwargs: registration, category. Each receiver returns a list of one url, or None.
switch_payment = Signal()
# Lines for the event page and a rider's registration page that other apps add (payments: the
# refund policy, what was paid). kwargs: event, registration (or None). Receivers return a list of str.
event_notes = Signal()
# Figures for the event's manage page that other apps add (payments: money received, refunded,
# net; the same sums as its finance CSV). kwargs: event. Receivers return a list of (label, value, id).
organizer_figures = Signal()

def answers(signal: Signal, **kwargs: Any) -> list:
    """Every item the receivers of an asking signal return, in one list (None answers nothing)."""
    return [item for _receiver, answer in signal.send(**kwargs) if answer for item in answer]
