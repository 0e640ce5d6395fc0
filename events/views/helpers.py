"""Check-in helpers (issue 28): the organizer's page with the join link and its QR code, the page
the link opens for the helper, and the check-in app that works with no signal (its page, its
service worker and its web app manifest; static/js/checkin-device.js does the rest)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.i18n import localized
from core.times import zone_of
from core.views import shown_on
from events import services
from events.mail import qr_svg
from events.models import Registration
from events.selectors import event_for_organizer, event_get
from events.selectors.raceday import can_check_in, event_for_checkin, helpers_of
from events.views.common import posted_id


@login_required
def helpers_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            services.helpers_link_renew(event=event)
            messages.success(request, _("A new link: the old one no longer works."))
        elif action == "remove":
            services.helper_remove(event=event, helper_id=posted_id(request, "helper"))
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


DEVICE_TEXT = {  # the app's words (static/js/checkin-device.js fills in the %(name)s parts)
    "onPhone": gettext_lazy("%(n)s riders on this phone"),
    "online": pgettext_lazy("network signal", "online"),
    "offline": gettext_lazy("no signal: actions are kept on this phone"),
    "waiting": gettext_lazy("%(n)s actions waiting to be sent"),
    "nothingWaiting": gettext_lazy("every action sent"),
    "lastSync": gettext_lazy("last sent and updated at %(time)s"),
    "signIn": gettext_lazy("sign in again to send the waiting actions"),
    "idCard": gettext_lazy("ID number ends in %(last4)s: compare it with the ID card"),
    "noId": gettext_lazy("No ID number on this entry"),
    "bib": gettext_lazy("Bib"),
    "phone": gettext_lazy("phone ···%(last4)s"),
    "chips": gettext_lazy("chips"),
    "kit": gettext_lazy("Hand out with the kit: %(items)s"),
    "notValid": gettext_lazy("Not valid: this entry is %(status)s. Do not hand out a kit; send the rider to the "
                             "organizer."),
    "pickUp": gettext_lazy("Kit picked up"),
    "checkIn": gettext_lazy("Check in"),
    "pickedUpAt": gettext_lazy("Kit picked up at %(time)s"),
    "checkedInAt": gettext_lazy("Checked in at %(time)s"),
    "already": gettext_lazy("Already checked in at %(time)s"),
    "checkedIn": gettext_lazy("Checked in: %(name)s, bib %(bib)s"),
    "pickedUp": gettext_lazy("Kit picked up: %(name)s"),
    "unknown": gettext_lazy("This code is not on this phone's list: a mistyped code, another event's, or a seat "
                     "that changed hands since the last update."),
    "recordAnyway": gettext_lazy("Record the check-in anyway (checked when the signal returns)"),
    "recorded": gettext_lazy("Recorded: the server checks it when the signal returns."),
    "noMatch": gettext_lazy("No rider matches."),
    "conflict": gettext_lazy("%(action)s at %(time)s was refused: %(message)s"),
    "resolved": gettext_lazy("Resolved"),
    "noQr": gettext_lazy("No QR code found in the picture. Try again closer, or type the code."),
    "camera": gettext_lazy("Scan with the camera"),
    "stopCamera": gettext_lazy("Stop the camera"),
    "noCamera": gettext_lazy("The camera is not available: read a photo of the code, or type it."),
    "noStorage": gettext_lazy("This browser cannot keep the start list: use the online check-in page."),
    "bibHandedOut": gettext_lazy("Number of the bib handed out"),
    "chipsHandedOut": gettext_lazy("Chip tags handed out (optional; scan or type; two at most, separated by a "
                                   "comma)"),
    "removed": gettext_lazy("this phone may no longer check riders in at this event: ask the organizer (the "
                            "waiting actions are kept)"),
    "bibNumber": gettext_lazy("Type the number printed on the bib."),
    "bibHeld": gettext_lazy("Bib %(bib)s is %(name)s's on this phone: hand out another one."),
    "bibLost": gettext_lazy("Bib lost? Give a new one"),
    "newBib": gettext_lazy("Number of the new bib"),
    "giveNewBib": gettext_lazy("Give the new bib"),
    "newBibGiven": gettext_lazy("New bib for %(name)s: %(bib)s"),
    "wave": gettext_lazy("wave %(name)s, starts %(time)s"),
    "proxy": gettext_lazy("The rider authorised %(name)s (mobile ···%(last4)s) to pick up the kit: hand it to that "
                          "person only against their own ID card."),
}


@login_required
def checkin_device(request: HttpRequest, slug: str) -> HttpResponse:
    """The check-in app: the page a helper's phone keeps (its service worker serves it with no
    network); the start list, the search, the scans and the queue live in the browser."""
    event = event_for_checkin(slug=slug, user=request.user)
    base = reverse("events:checkin-device", args=[event.slug])
    return render(request, "events/checkin_device.html", {
        "event": event, "worker": base + "sw.js", "manifest": base + "manifest.webmanifest",
        "app": {"event": event.slug, "language": get_language(), "timeZone": str(zone_of(event)),
                "startList": reverse("api:event-checkins-start-list", args=[event.slug]),
                "sync": reverse("api:event-checkins-sync", args=[event.slug]),
                "text": {**{k: str(v) for k, v in DEVICE_TEXT.items()},
                         "statuses": {k: str(v) for k, v in Registration.Status.choices}}}})


@never_cache
def checkin_device_worker(request: HttpRequest, slug: str) -> HttpResponse:
    """The app's service worker (served under the app's path: its scope is the app). It names no
    one and nothing secret: the page and the assets it keeps for offline use."""
    page = reverse("events:checkin-device", args=[slug])
    assets = [page, *(static(name) for name in DEVICE_ASSETS)]
    return render(request, "events/checkin_sw.js", {"assets": json.dumps(assets)},
                  content_type="text/javascript; charset=utf-8")


def checkin_device_manifest(request: HttpRequest, slug: str) -> JsonResponse:
    """The web app manifest that lets a phone install the app on its home screen."""
    page = reverse("events:checkin-device", args=[slug])
    response = JsonResponse({
        "name": _("Check-in") + " · " + slug, "short_name": _("Check-in"), "lang": get_language(),
        "start_url": page, "scope": page, "display": "standalone", "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "icons": [{"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


# what the service worker keeps beside the page (static files, under their served names)
DEVICE_ASSETS = ("css/site.css", "js/site.js", "js/checkin-device.js", "vendor/jsqr/jsQR.js", "favicon.svg")
