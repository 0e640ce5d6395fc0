"""Check-in helpers (issue 28): the organizer's page with the join link and its QR code, and the
page the link opens for the helper."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.i18n import localized
from core.parse import whole_number
from core.views import shown_on
from events import services
from events.mail import qr_svg
from events.selectors import event_for_organizer, event_get
from events.selectors.raceday import can_check_in, helpers_of


@login_required
def helpers_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            services.helpers_link_renew(event=event)
            messages.success(request, _("A new link: the old one no longer works."))
        elif action == "remove":
            services.helper_remove(event=event, helper_id=whole_number(request.POST.get("helper", "")) or 0)
            messages.success(request, _("The helper was removed."))
        return redirect("events:helpers", slug=event.slug)
    link = request.build_absolute_uri(reverse("events:helper-join",
                                              args=[event.slug, services.helper_join_code(event=event)]))
    return render(request, "events/helpers.html", {
        "event": event, "link": link, "qr": mark_safe(qr_svg(link)),  # noqa: S308 - segno's own SVG
        "helpers": helpers_of(event=event)})


@login_required
def helper_join_page(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    if request.method == "POST":
        with shown_on(request) as outcome:
            services.helper_join(event=event, user=request.user, code=code[:40])
        if outcome.ok:
            messages.success(request, _("You can now check riders in at %(event)s.")
                             % {"event": localized(event, "title")})
            return redirect("events:checkin", slug=event.slug)
    return render(request, "events/helper_join.html", {
        "event": event, "already": can_check_in(user=request.user, event=event)})
