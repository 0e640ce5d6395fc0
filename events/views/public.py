"""Pages anyone may see: the event list and page (with its sign-up form, a transfer offer to
accept, a club ride's RSVP), start lists, results, calendars and a drawn ballot's data."""

from __future__ import annotations

import json
import unicodedata

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.services import feed_rider
from core import memberships, times
from core.i18n import localized
from core.parse import whole_number
from core.querysets import grouped_page
from core.signals import reply_items
from core.views import shown_on
from events import ical, services
from events.extras_forms import DocumentForm
from events.forms import EventFilterForm, RegistrationForm
from events.mail import qr_svg
from events.models import Event, Registration, TransferOffer
from events.selectors import (
    RESULTS_PAGE,
    EventFilters,
    active_registration,
    ballot_published,
    can_create_events,
    event_get,
    events_list,
    events_of_rider,
    has_results,
    is_organizer,
    results,
    rsvp_state,
    start_list,
    transfer_offer_to,
    waitlist_position,
)
from events.selectors.extras import documents_of
from events.services.documents import document_kinds
from events.signals import event_links, event_notes
from events.views.common import category_rows
from routes.gcj02 import wgs84_to_gcj02
from routes.selectors import completed_routes


def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    filters = EventFilters(past=request.GET.get("past") == "1")
    if form.is_valid():
        d = form.cleaned_data
        filters = EventFilters(kind=d["kind"], county=d["county"], date_from=d["date_from"], date_to=d["date_to"],
                               past=filters.past)
    return render(request, "events/event_list.html", {
        "events": events_list(filters=filters, user=request.user), "form": form, "past": filters.past,
        "can_create": can_create_events(request.user),
    })


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    mine = active_registration(event=event, user=request.user)
    if event.kind == Event.Kind.CLUB_RIDE and request.method == "POST" and request.user.is_authenticated:
        _rsvp_answer(request, event, mine)
        return redirect("events:detail", slug=event.slug)
    offer = transfer_offer_to(event=event, user=request.user) if mine is None else None
    if offer is not None:
        return _transfer_offer_page(request, event, offer)
    form = None
    if request.user.is_authenticated and mine is None and event.kind != Event.Kind.CLUB_RIDE:
        form = RegistrationForm(request.POST or None, event=event, rider=request.user)
        if request.method == "POST" and form.is_valid():
            with shown_on(form) as outcome:
                mine, _created = services.registration_create(
                    event=event, category=form.cleaned_data["category"], rider=request.user,
                    answers=form.answers(), accept_waiver=form.cleaned_data.get("accept_waiver", False),
                    language=translation.get_language(), **form.flags(), **form.code_flag(), **form.extras())
            if outcome.ok:
                return redirect("events:registration", pk=mine.pk)
    meeting = None
    if event.meeting_lat is not None and event.meeting_lon is not None:
        meeting = {"lat": event.meeting_lat, "lon": event.meeting_lon, "label": event.meeting_point,
                   "tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
        if settings.MAP_TILE_CRS == "gcj02":
            meeting["lat"], meeting["lon"] = wgs84_to_gcj02(event.meeting_lat, event.meeting_lon)
    admin_clubs = memberships.directory.clubs_administered_by(user=request.user)
    share_url = request.build_absolute_uri(reverse("events:detail", args=[event.slug]))
    return render(request, "events/event_detail.html", {
        "share_url": share_url, "share_description": _share_description(event),
        "share_image": request.build_absolute_uri(reverse("events:share-image", args=[event.slug])),
        "documents": _documents(request, event), "share_qr": mark_safe(qr_svg(share_url)),  # noqa: S308 - segno's own SVG
        "has_results": has_results(event),
        "rsvp": _rsvp(request, event, mine) if event.kind == Event.Kind.CLUB_RIDE else None,
        "event": event, "rows": category_rows(event), "mine": mine, "form": form, "admin_clubs": admin_clubs,
        "window_problem": services.registration_window_error(event), "now": timezone.now(),
        "organizer": is_organizer(user=request.user, event=event), "meeting": meeting,
        "notes": reply_items(event_notes, sender=Event, event=event, registration=None),
        "links": reply_items(event_links, sender=Event, event=event),
        "challenge_done": (set(completed_routes(rider=request.user, since=event.starts_at, until=event.ends_at))
                           if event.kind == Event.Kind.CHALLENGE and request.user.is_authenticated else set()),
    })


def _share_description(event: Event) -> str:
    """One line for link previews: when, where, the categories, then the description's start."""
    parts = [times.when(event.starts_at, event, "Y-m-d H:i"), event.meeting_point or event.get_county_display(),
             " / ".join(localized(c, "name") for c in event.categories.all())]
    text = " · ".join(p for p in parts if p)
    description = " ".join(localized(event, "description").split())
    return f"{text}. {description}"[:200] if description else text[:200]


def _documents(request: HttpRequest, event: Event) -> dict | None:
    """The documents the event asks of riders, with this rider's and the form to send one."""
    kinds = document_kinds(event)
    if not kinds or not request.user.is_authenticated:
        return None
    return {"categories": [c for c in event.categories.all() if c.document_required],
            "own_insurance": event.own_insurance_allowed, "form": DocumentForm(kinds=kinds),
            "mine": list(documents_of(event=event, rider_id=request.user.pk))}


def _transfer_offer_page(request: HttpRequest, event: Event, offer: TransferOffer) -> HttpResponse:
    """A seat offered to this rider: accept it with their own answers, or decline."""
    action = request.POST.get("action") if request.method == "POST" else None
    form = RegistrationForm(request.POST if action == "accept" else None, event=event, fixed_category=True,
                            rider=request.user)
    if action == "decline":
        services.transfer_decline(offer=offer, rider=request.user)
        messages.success(request, _("You declined the seat; nothing changed."))
        return redirect("events:detail", slug=event.slug)
    if action == "accept" and form.is_valid():
        with shown_on(form) as outcome:
            registration = services.transfer_accept(
                offer=offer, rider=request.user, answers=form.answers(),
                accept_waiver=form.cleaned_data.get("accept_waiver", False), **form.flags())
        if outcome.ok:
            messages.success(request, _("The seat is yours."))
            return redirect("events:registration", pk=registration.pk)
    return render(request, "events/transfer_offer.html", {"event": event, "offer": offer, "form": form})


def _rsvp_answer(request: HttpRequest, event: Event, mine: Registration | None) -> None:
    """A club ride is an RSVP: "I'm in" registers (a seat, or the waitlist where the ride has one),
    "can't make it" withdraws; the ride leader ticks who came."""
    with shown_on(request) as outcome:
        if "attended" in request.POST and is_organizer(user=request.user, event=event):
            services.checkin_by_id(event=event, registration_id=whole_number(request.POST["attended"]) or 0)
        elif request.POST.get("rsvp") == "yes" and mine is None:
            services.registration_create(event=event, category=event.categories.all()[0], rider=request.user,
                                         accept_waiver=bool(request.POST.get("accept_waiver")),
                                         language=translation.get_language())
        elif request.POST.get("rsvp") == "no" and mine is not None:
            services.registration_cancel(registration=mine)
    if outcome.ok and request.POST.get("rsvp") in ("yes", "no"):
        messages.success(request, _("See you on the ride!") if request.POST["rsvp"] == "yes"
                         else _("Noted: you are not riding."))


def _rsvp(request: HttpRequest, event: Event, mine: Registration | None) -> dict:
    going, waiting = rsvp_state(event=event)
    category = event.categories.all()[0] if event.categories.all() else None
    sees = (not event.members_only or is_organizer(user=request.user, event=event)
            or (event.club_id is not None
                and memberships.directory.is_active_member(club_id=event.club_id, user=request.user)))
    return {"going": going, "going_count": len(going), "names": going if sees else None,
            "capacity": category.capacity if category else 0, "waiting": waiting,
            "position": waitlist_position(mine) if mine else None}


def ballot_entries(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The published draw data of a ballot (entries by registration id, the quota groups each
    qualifies for, the seats): with the revealed seed anyone re-runs the draw (docs/registration.md)."""
    event = event_get(slug=slug, user=request.user)
    ballot = ballot_published(event=event, category_id=pk)
    response = HttpResponse(json.dumps({**ballot.entries, "seed": ballot.seed, "commitment": ballot.commitment,
                                        "entries_hash": ballot.entries_hash, "winners": ballot.winners},
                                       separators=(",", ":")), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="ballot-{event.pk}-{pk}.json"'
    return response


START_LIST_PAGE = 200  # rows a page (issue 27: 5,000 riders were one 531 KB page, 466 ms)


def start_list_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmed riders by category and bib, a page at a time; `?bib=` finds one bib's row."""
    event = event_get(slug=slug, user=request.user)
    typed = request.GET.get("bib", "").strip()
    bib = whole_number(unicodedata.normalize("NFKC", typed), maximum=10**9) if typed else None  # "１２８" too
    entries = [] if typed and bib is None else start_list(event=event, bib=bib)
    page = Paginator(entries, START_LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "events/start_list.html", {
        "event": event, "page": page, "bib": typed, "bib_invalid": bool(typed) and bib is None})


def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    page, shown = grouped_page(results(event=event), request.GET.get("page"), RESULTS_PAGE)
    return render(request, "events/results.html", {"event": event, "results": shown, "page": page})


def event_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    response = HttpResponse(ical.event_ics(event, base_url=request.build_absolute_uri("/").rstrip("/")),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar app cannot log in: the signed token in the URL stands for the rider."""
    rider = feed_rider(token)
    if rider is None:
        raise Http404
    body = ical.feed_ics(events_of_rider(rider=rider), base_url=request.build_absolute_uri("/").rstrip("/"),
                         name=_("My rides"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
