"""What the events app tells other apps after the fact, and the page parts other apps add
(pretix's signals.py habit). What must happen inside the transaction that moves a seat, or needs
an answer back (orders, refunds, what was paid), is not a signal: it goes through the port in
events/payments_port.py.

Events import no other app but accounts and routes: apps built on events (clubs, industry)
connect receivers here, in their AppConfig.ready().
"""

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
# Links for everyone on the event page that other apps add (timing: the live results once the event is
# timed). kwargs: event. Each receiver returns a list of (label, url).
event_links = Signal()
# Actions on a rider's own registration page that other apps add (payments: "pay by ..."). kwargs:
# registration, request. Each receiver returns a list of (label, url).
registration_links = Signal()
# Sections of a rider's own registration page that other apps add (timing: the rider's result, their
# position sharing and the SOS button). kwargs: registration, request. Receivers return HTML (a str
# rendered by a template) or None.
registration_sections = Signal()
# Lines for the event page and a rider's registration page that other apps add (payments: the
# refund policy, what was paid). kwargs: event, registration (or None). Receivers return a list of str.
event_notes = Signal()
# Figures for the event's manage page that other apps add (payments: money received, refunded,
# net; the same sums as its finance CSV). kwargs: event. Receivers return a list of (label, value, id).
organizer_figures = Signal()

# Rows of a registration's history that other apps add (payments: its orders' and refunds' moves).
# kwargs: registration. Receivers return a list of core.models.StatusChange with a `label` attribute.
history_rows = Signal()

