"""timing answering events' asking signals: the links on the manage page, and the rider's own result,
position sharing and SOS button on their registration page."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from events.models import Event, Registration
from events.signals import event_links, organizer_links, registration_sections
from timing import selectors


@receiver(organizer_links, dispatch_uid="timing.links")
def timing_links(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str]]:
    links = [(_("Timing"), reverse("timing:manage", args=[event.slug]))]
    if selectors.has_timing(event=event):
        links += [(_("Live results"), reverse("timing:live", args=[event.slug])),
                  (_("The field on the map"), reverse("timing:field", args=[event.slug]))]
    return links


@receiver(event_links, dispatch_uid="timing.live_link")
def live_link(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str]]:
    """The live results, for everyone, once the event has checkpoints."""
    return [(_("Live results"), reverse("timing:live", args=[event.slug]))] if selectors.has_timing(event=event) else []


@receiver(registration_sections, dispatch_uid="timing.rider_result")
def rider_section(sender: type, *, registration: Registration, request, **kwargs: Any) -> str | None:
    if registration.status != Registration.Status.CONFIRMED:
        return None
    row = selectors.result_of(registration=registration)
    sharing = selectors.sharing_of(registration=registration)
    if row is None and sharing is None:
        return None
    return render_to_string("timing/_rider_section.html", {
        "registration": registration, "row": row, "sharing": sharing,
        "certificate": selectors.certificate_ready(row=row)}, request=request)
