"""Messages to the field (issue 28): the organizer's page to write to an event's riders, preview the
count and the SMS cost, send, and see what was sent (services/field.py does the work)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.views import shown_on
from events import services
from events.forms import FieldMessageForm
from events.selectors import event_for_organizer
from events.selectors.raceday import field_messages_kept


@login_required
def field_messages(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    form = FieldMessageForm(request.POST or None, event=event)
    preview = None
    if request.method == "POST" and form.is_valid():
        with shown_on(form) as outcome:
            if request.POST.get("send"):
                sent = services.field_message_send(event=event, by=request.user, **form.spec())
            else:
                preview = services.field_message_preview(event=event, **form.spec())
        if outcome.ok and request.POST.get("send"):
            messages.success(request, _("Sent to %(n)s riders.") % {"n": sent.recipients})
            return redirect("events:field-messages", slug=event.slug)
    return render(request, "events/field_messages.html", {"event": event, "form": form, "preview": preview,
                                                          "kept": field_messages_kept(event=event)})
