"""Event pages for riders and organizers. Each view parses input, calls one service or selector;
a refused service call is shown by core.views.shown_on, so views catch nothing themselves."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.selectors import rider_by_username, riders_by_username
from accounts.services import feed_rider, feed_token
from core import memberships, money, times
from core.csv import csv_response
from core.i18n import localized
from core.parse import whole_number
from core.views import shown_on
from events import exports, ical, services
from events.forms import (
    CancelEventForm,
    CategoryForm,
    CategoryFormSet,
    CategorySettingsForm,
    CheckinForm,
    CompanionForm,
    EntryCodesForm,
    EntryCodesImportForm,
    EventFilterForm,
    EventForm,
    QuestionForm,
    QuestionFormSet,
    QuotaGroupForm,
    RegistrationForm,
    ResultsForm,
    SwitchCategoryForm,
    TransferForm,
)
from events.mail import qr_svg
from events.models import Ballot, Category, Event, Registration, TransferOffer
from events.selectors import (
    EventFilters,
    ballot_selected,
    can_create_events,
    checkin_candidates,
    event_for_organizer,
    event_get,
    events_list,
    events_of_rider,
    is_organizer,
    no_shows,
    registration_history,
    registration_of_rider,
    registrations_of,
    results,
    roster,
    start_list,
    waitlist_position,
)
from events.signals import answers, event_notes, history_rows, organizer_figures, organizer_links, registration_links
from routes.gcj02 import wgs84_to_gcj02
from routes.labels import climb_names
from routes.selectors import completed_routes, routes_visible_to
from routes.svg import profile_svg

CANCEL_REASON_MAX_LENGTH = 2000
SHOWN_ERRORS = 50  # a results file with more bad lines shows the first ones


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


def _category_rows(event: Event) -> list[dict]:
    rows = []
    for category in event.categories.all():
        version = category.route_version
        svg = ""
        if version and version.profile:
            svg = mark_safe(profile_svg(  # noqa: S308 - numbers and escaped labels only
                version.profile, version.climbs, title=localized(category, "name"), km_label=_("km"), m_label=_("m"),
                climb_names=climb_names()))
        rows.append({"category": category, "seats_left": max(0, category.capacity - category.seated),
                     "version": version, "profile_svg": svg})
    return rows


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    mine = None
    if request.user.is_authenticated:
        mine = event.registrations.filter(rider=request.user, status__in=Registration.ACTIVE).first()
    if event.kind == Event.Kind.CLUB_RIDE and request.method == "POST" and request.user.is_authenticated:
        _rsvp_answer(request, event, mine)
        return redirect("events:detail", slug=event.slug)
    offer = (TransferOffer.objects.filter(registration__event=event, to_rider=request.user,
                                          status=TransferOffer.Status.PENDING).select_related(
        "registration__category", "from_rider").first() if request.user.is_authenticated and mine is None else None)
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
                    language=translation.get_language(), **form.flags(), **form.code_flag())
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
        "share_url": share_url, "share_qr": mark_safe(qr_svg(share_url)),  # noqa: S308 - segno's own SVG
        "has_results": event.registrations.exclude(result="").exists(),
        "rsvp": _rsvp(request, event, mine) if event.kind == Event.Kind.CLUB_RIDE else None,
        "event": event, "rows": _category_rows(event), "mine": mine, "form": form, "admin_clubs": admin_clubs,
        "window_problem": services.registration_window_error(event), "now": timezone.now(),
        "organizer": is_organizer(user=request.user, event=event), "meeting": meeting,
        "notes": answers(event_notes, sender=Event, event=event, registration=None),
        "challenge_done": (set(completed_routes(rider=request.user, since=event.starts_at, until=event.ends_at))
                           if event.kind == Event.Kind.CHALLENGE and request.user.is_authenticated else set()),
    })


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
    going = list(event.registrations.filter(status=Registration.Status.CONFIRMED).select_related("rider")
                 .order_by("confirmed_at", "pk"))
    category = event.categories.all()[0] if event.categories.all() else None
    sees = (not event.members_only or is_organizer(user=request.user, event=event)
            or (event.club_id is not None
                and memberships.directory.is_active_member(club_id=event.club_id, user=request.user)))
    return {"going": going, "going_count": len(going), "names": going if sees else None,
            "capacity": category.capacity if category else 0,
            "waiting": event.registrations.filter(status=Registration.Status.WAITLISTED).count(),
            "position": waitlist_position(mine) if mine else None}


def _map_settings() -> dict:
    """Map tiles for pages that draw a map (GCJ-02 tiles would need conversion: pickers use WGS-84)."""
    return {"map_tiles": settings.MAP_TILE_URL if settings.MAP_TILE_CRS != "gcj02" else "",
            "map_attribution": settings.MAP_TILE_ATTRIBUTION}


def _category_spec(data: dict) -> dict:
    route = data.get("route")
    return {
        "name": data["name"], "name_en": data.get("name_en", ""), "capacity": data["capacity"],
        "fee_fen": data.get("fee_cny") or 0, "waitlist_enabled": data.get("when_full") != "refuse",
        "min_age": data.get("min_age"), "max_age": data.get("max_age"), "gender": data.get("gender") or "",
        "route_version": route.current_version if route else None,
    }


def _category_specs(formset) -> list[dict]:
    """The filled forms (a blank extra form is unchanged, so empty: ignored)."""
    return [_category_spec(data) for data in formset.cleaned_data if data and not data.get("DELETE")]


def _question_spec(data: dict, position: int) -> dict:
    choices = [c.strip() for c in (data.get("choices") or "").replace("，", ",").split(",") if c.strip()]
    return {"key": slugify(data.get("label_en") or "", allow_unicode=False)[:30] or f"q{position + 1}",
            "label": data["label"], "label_en": data.get("label_en", ""), "kind": data["kind"],
            "required": data.get("required", False), "choices": choices}


def _question_specs(formset) -> list[dict]:
    return [_question_spec(data, position) for position, data in enumerate(d for d in formset.cleaned_data if d)]


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not can_create_events(request.user):
        raise PermissionDenied
    routes = routes_visible_to(user=request.user).filter(current_version__isnull=False)
    form = EventForm(request.POST or None)
    categories = CategoryFormSet(request.POST or None, prefix="cat", form_kwargs={"routes": routes})
    questions = QuestionFormSet(request.POST or None, prefix="q")
    if request.method == "POST" and form.is_valid() and categories.is_valid() and questions.is_valid():
        with shown_on(form) as outcome:
            event = services.event_create(created_by=request.user, categories=_category_specs(categories),
                                          questions=_question_specs(questions), **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The event was created as a draft. Publish it when it is ready."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "categories": categories,
                                                      "questions": questions, **_map_settings()})


@login_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        with shown_on(form) as outcome:
            services.event_update(event=event, **form.cleaned_data)
        if outcome.ok:
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": event, **_map_settings()})


@login_required
def event_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    routes = routes_visible_to(user=request.user).filter(current_version__isnull=False)
    category_form = CategoryForm(prefix="add-cat", routes=routes)
    question_form = QuestionForm(prefix="add-q")
    if request.method == "POST" and request.POST.get("add") in ("category", "question"):
        adding = request.POST["add"]
        if adding == "category":
            category_form = CategoryForm(request.POST, prefix="add-cat", routes=routes)
            form = category_form
        else:
            question_form = QuestionForm(request.POST, prefix="add-q")
            form = question_form
        if form.is_valid():
            with shown_on(form) as outcome:
                if adding == "category":
                    services.category_add(event=event, spec=_category_spec(form.cleaned_data))
                else:
                    services.question_add(event=event, spec=_question_spec(form.cleaned_data,
                                                                           event.questions.count()))
            if outcome.ok:
                messages.success(request, _("The category was added.") if adding == "category"
                                 else _("The question was added."))
                return redirect("events:manage", slug=event.slug)
    links = answers(organizer_links, sender=Event, event=event, request=request)
    registrations = list(roster(event=event))
    missed = no_shows(rider_ids=[r.rider_id for r in registrations])
    for r in registrations:
        r.no_shows = missed.get(r.rider_id, 0)
    return render(request, "events/event_manage.html", {
        "figures": answers(organizer_figures, sender=Event, event=event),
        "event": event, "rows": _category_rows(event), "registrations": registrations,
        "cancel_form": CancelEventForm(), "links": links,
        "results_form": ResultsForm() if event.starts_at <= timezone.now() else None,
        "category_form": category_form, "question_form": question_form, "questions": event.questions.all(),
    })


@login_required
def category_settings(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    category = get_object_or_404(event.categories.all(), pk=pk)
    action = request.POST.get("action", "settings") if request.method == "POST" else ""
    form = CategorySettingsForm(request.POST if action == "settings" else None, instance=category)
    quota_form = QuotaGroupForm(request.POST if action == "quota" else None, event=event)
    if request.method == "POST" and action == "settings" and form.is_valid():
        with shown_on(form) as outcome:
            services.category_update(category=category, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The category's settings were saved."))
            return redirect("events:manage", slug=event.slug)
    elif request.method == "POST" and action == "quota" and quota_form.is_valid():
        with shown_on(quota_form) as outcome:
            services.quota_group_add(ballot=services.ballot_setup(category=category), **quota_form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The quota group was added."))
            return redirect("events:category", slug=event.slug, pk=category.pk)
    elif request.method == "POST" and action == "no_shows_last":
        services.ballot_no_shows_last(category=category, on=request.POST.get("no_shows_last") == "on")
        return redirect("events:category", slug=event.slug, pk=category.pk)
    elif request.method == "POST" and action == "draw":
        with shown_on(request) as outcome:
            drawn = services.ballot_draw(category=category)
        if outcome.ok:
            messages.success(request, _("The draw is made: %(winners)s of %(entries)s entries selected.") % {
                "winners": len(drawn.winners), "entries": len(drawn.entries["entries"])})
        return redirect("events:category", slug=event.slug, pk=category.pk)
    ballot = getattr(category, "ballot", None) if category.mode == Category.Mode.BALLOT else None
    return render(request, "events/category_settings.html", {
        "event": event, "category": category, "form": form, "quota_form": quota_form, "ballot": ballot,
        "entered": category.registrations.filter(status=Registration.Status.ENTERED).count()})


def ballot_entries(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The published draw data of a ballot (entries by registration id, the quota groups each
    qualifies for, the seats): with the revealed seed anyone re-runs the draw (docs/registration.md)."""
    event = event_get(slug=slug, user=request.user)
    ballot = get_object_or_404(Ballot, category__event=event, category__pk=pk, drawn_at__isnull=False)
    response = HttpResponse(json.dumps({**ballot.entries, "seed": ballot.seed, "commitment": ballot.commitment,
                                        "entries_hash": ballot.entries_hash, "winners": ballot.winners},
                                       separators=(",", ":")), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="ballot-{event.pk}-{pk}.json"'
    return response


@login_required
@require_POST
def event_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    actions = {
        "publish": lambda: services.event_publish(event=event),
        "pause": lambda: services.event_registration_pause(event=event, paused=True),
        "resume": lambda: services.event_registration_pause(event=event, paused=False),
        "cancel": lambda: services.event_cancel(event=event, reason=CancelEventForm(request.POST).data.get(
            "reason", "")[:CANCEL_REASON_MAX_LENGTH]),
        "complete": lambda: services.event_complete(event=event),
        "renumber": lambda: services.bibs_renumber(event=event),
    }
    if action not in actions:
        raise Http404
    done = {
        "publish": _("The event is published: riders can see it and register."),
        "pause": _("Registration is closed for now."), "resume": _("Registration is open again."),
        "cancel": _("The event is cancelled; every registered rider is being told."),
        "complete": _("The event is marked completed; its statistics are being computed."),
    }
    with shown_on(request) as outcome:
        result = actions[action]()
    if outcome.ok:
        messages.success(request, _("%(count)s riders have new bibs.") % {"count": result} if action == "renumber"
                         else done[action])
    return redirect("events:manage", slug=event.slug)


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = registration_of_rider(registration_id=pk, user=request.user)
    if request.user.pk not in (registration.rider_id, registration.rider.guardian_id):
        raise Http404  # organizers use the roster; this page is the rider's own (or their guardian's)
    event = registration.event
    switch_form = SwitchCategoryForm(event=event, initial={"category": registration.category_id})
    transfer_form = TransferForm()
    held = registration.status == Registration.Status.HELD
    owes_answers = not held and registration.status in Registration.ACTIVE and \
        services.registration_answers_missing(registration)  # a transferred seat: the rider's own answers
    confirm_form = RegistrationForm(request.POST if request.POST.get("action") in ("confirm", "answers") else None,
                                    event=event, fixed_category=True, rider=request.user) \
        if held or owes_answers else None
    if request.method == "POST":
        action = request.POST.get("action")
        if held and action == "confirm":
            if confirm_form.is_valid():
                with shown_on(confirm_form) as outcome:
                    confirmed = services.registration_hold_confirm(
                        registration=registration, answers=confirm_form.answers(),
                        accept_waiver=confirm_form.cleaned_data.get("accept_waiver", False), **confirm_form.flags())
                if outcome.ok:
                    messages.success(request, _("You are registered.") if confirmed.status == "confirmed"
                                     else _("Your part is done: the seats become the team's when every member has "
                                            "confirmed.") if confirmed.status == "held"
                                     else _("Your answers are saved: pay to confirm your seat."))
                    return redirect("events:registration", pk=registration.pk)
            return render(request, "events/registration_detail.html", {
                "registration": registration, "event": event, "confirm_form": confirm_form})
        if owes_answers and action == "answers":
            if confirm_form.is_valid():
                with shown_on(confirm_form) as outcome:
                    services.registration_answers_give(
                        registration=registration, answers=confirm_form.answers(),
                        accept_waiver=confirm_form.cleaned_data.get("accept_waiver", False), **confirm_form.flags())
                if outcome.ok:
                    messages.success(request, _("Your answers are saved."))
                    return redirect("events:registration", pk=registration.pk)
            return render(request, "events/registration_detail.html", {
                "registration": registration, "event": event, "confirm_form": confirm_form, "owes_answers": True})
        if held and action == "cancel":
            with shown_on(request) as outcome:
                services.registration_hold_decline(registration=registration)
            if outcome.ok:
                messages.success(request, _("You declined the entry; your seat went back to the event."))
            return redirect("events:detail", slug=event.slug)
        with shown_on(request):
            if action == "cancel":
                services.registration_cancel(registration=registration)
                messages.success(request, _("Your registration is cancelled."))
            elif action == "switch":
                switch_form = SwitchCategoryForm(request.POST, event=event)
                if switch_form.is_valid():
                    _same, pay_url = services.registration_switch(registration=registration,
                                                                  category=switch_form.cleaned_data["category"])
                    if pay_url:
                        messages.info(request, _("The new category costs more: pay the difference and the switch "
                                                 "is made."))
                        return redirect(pay_url)
                    messages.success(request, _("Your category was changed."))
            elif action == "transfer":
                transfer_form = TransferForm(request.POST)
                if transfer_form.is_valid():
                    target = rider_by_username(username=transfer_form.cleaned_data["username"])
                    services.registration_transfer(registration=registration, to_rider=target)
                    messages.success(request, _("Your seat is offered to %(name)s: it moves when they accept it with "
                                                "their own details.") % {"name": target.public_name})
            elif action == "defer":
                services.registration_defer(registration=registration)
                messages.success(request, _("Deferred to the next edition: your seat went to the waitlist."))
            elif action == "withdraw_transfer":
                for pending in registration.transfer_offers.filter(status=TransferOffer.Status.PENDING):
                    services.transfer_decline(offer=pending, rider=request.user)
                messages.success(request, _("The offer is withdrawn."))
        return redirect("events:registration", pk=registration.pk)
    code = services.checkin_code(registration) if registration.status == Registration.Status.CONFIRMED else ""
    checkin_url = (request.build_absolute_uri(f"{reverse('events:checkin', args=[event.slug])}?code={code}")
                   if code else "")
    return render(request, "events/registration_detail.html", {
        "registration": registration, "event": event, "code": code,
        "qr": mark_safe(qr_svg(checkin_url)) if code else "",  # noqa: S308 - segno's own SVG
        "switch_form": switch_form, "transfer_form": transfer_form, "confirm_form": confirm_form,
        "owes_answers": owes_answers,
        "pending_transfer": registration.transfer_offers.filter(status=TransferOffer.Status.PENDING)
        .select_related("to_rider").first(),
        "waitlist_position": waitlist_position(registration), "ballot_selected": ballot_selected(registration),
        "links": answers(registration_links, sender=Registration, registration=registration, request=request),
        "notes": answers(event_notes, sender=Event, event=event, registration=registration),
        "can_transfer": event.transfer_deadline and timezone.now() <= event.transfer_deadline,
        "can_change": services.registration_window_error(event) is None,
        "can_defer": (registration.status == Registration.Status.CONFIRMED and event.deferral_deadline is not None
                      and timezone.now() <= event.deferral_deadline),
    })


@login_required
def checkin_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    result = None
    form = CheckinForm(request.POST if "code" in request.POST else None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and "registration" in request.POST:  # found by name, bib or phone
        number = whole_number(request.POST.get("registration", ""))
        result = services.checkin_by_id(event=event, registration_id=number or 0)
    elif request.method == "POST" and form.is_valid():
        result = services.checkin(event=event, code=form.cleaned_data["code"])
        form = CheckinForm()
    find = request.GET.get("find", "")[:60]
    checked = event.registrations.filter(status=Registration.Status.CONFIRMED, checked_in_at__isnull=False).count()
    confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
    return render(request, "events/checkin.html", {
        "event": event, "form": form, "result": result, "checked": checked, "confirmed": confirmed,
        "find": find, "found": checkin_candidates(event=event, text=find)})


@login_required
def export(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    if kind not in exports.KINDS:
        raise Http404
    header, rows = exports.table(event=event, kind=kind)
    if kind == "insurance":  # unmasked ID numbers: logged (who, when, which event, how many)
        rows = list(rows)
        id_column = 2
        services.id_access_log(event=event, user=request.user, action="insurance export",
                               rows=sum(1 for row in rows if row[id_column]))
    return csv_response(f"{event.pk}-{kind}", header, rows)


@login_required
def registration_history_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Every move of one seat and of its money, oldest first (the event's organizers; staff read
    the same in the admin's status changes)."""
    event = event_for_organizer(slug=slug, user=request.user)
    registration = get_object_or_404(roster(event=event), pk=pk)
    rows = registration_history(registration=registration) + answers(history_rows, sender=Registration,
                                                                     registration=registration)
    rows.sort(key=lambda row: (row.at, row.pk))
    return render(request, "events/registration_history.html",
                  {"event": event, "registration": registration, "rows": rows})


@login_required
def id_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Who saw the event's ID numbers unmasked, when, and how many (organizers; staff in the admin)."""
    event = event_for_organizer(slug=slug, user=request.user)
    return render(request, "events/id_log.html", {"event": event, "entries": event.id_accesses.select_related(
        "user")[:500], "retention_days": settings.NATIONAL_ID_RETENTION_DAYS})


@login_required
def results_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """The results CSV (also sent from the manage page): a refusal comes back on this page, each
    problem tied to the file field (its error list, the summary at the top), nothing applied."""
    event = event_for_organizer(slug=slug, user=request.user)
    form = ResultsForm(request.POST, request.FILES) if request.method == "POST" else ResultsForm()
    if form.is_bound and form.is_valid():
        report = services.results_import(event=event, data=form.cleaned_data["file"].read())
        if not report.errors:
            messages.success(request, _("%(count)s results saved.") % {"count": report.applied})
            return redirect("events:manage", slug=event.slug)
        for error in report.errors[:SHOWN_ERRORS]:
            form.add_error("file", error)
        form.add_error("file", _("Nothing was applied: correct the file and upload it again."))
    return render(request, "events/results_upload.html", {"event": event, "form": form,
                                                          "started": event.starts_at <= timezone.now()},
                  status=400 if form.errors else 200)


def start_list_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    return render(request, "events/start_list.html", {"event": event, "entries": start_list(event=event)})


def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    return render(request, "events/results.html", {"event": event, "results": results(event=event)})


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


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    registrations = list(registrations_of(rider=request.user))
    for registration in registrations:
        registration.waitlist_position = waitlist_position(registration)
    return render(request, "events/my_events.html", {
        "registrations": registrations,
        "feed_url": request.build_absolute_uri(reverse("events:feed", args=[feed_token(request.user)])),
    })


@login_required
def entry_codes(request: HttpRequest, slug: str) -> HttpResponse:
    """The organizer's entry codes: make N, import a CSV, export them, give reserved seats back."""
    event = event_for_organizer(slug=slug, user=request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = EntryCodesForm(request.POST if action == "create" else None, event=event)
    import_form = EntryCodesImportForm(request.POST if action == "import" else None,
                                       request.FILES if action == "import" else None)
    if action == "create" and form.is_valid():
        with shown_on(form) as outcome:
            made = services.entry_codes_create(event=event, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("%(n)s codes made.") % {"n": len(made)})
            return redirect("events:codes", slug=event.slug)
    elif action == "import" and import_form.is_valid():
        report = services.entry_codes_import(event=event, data=import_form.cleaned_data["file"].read(),
                                             reserve=import_form.cleaned_data["reserve"])
        for error in report.errors[:20]:
            messages.error(request, error)
        if report.applied:
            messages.success(request, _("%(n)s codes imported.") % {"n": report.applied})
        return redirect("events:codes", slug=event.slug)
    elif action == "deferrals":
        source = get_object_or_404(Event, pk=whole_number(request.POST.get("from_event", "")) or 0,
                                   created_by=event.created_by)
        category = get_object_or_404(event.categories.all(), pk=whole_number(request.POST.get("category", "")) or 0)
        with shown_on(request) as outcome:
            made = services.deferral_codes_issue(from_event=source, category=category)
        if outcome.ok:
            messages.success(request, _("%(n)s codes made for riders who deferred; each was told.") % {"n": len(made)})
        return redirect("events:codes", slug=event.slug)
    elif action == "release":
        category = get_object_or_404(event.categories.all(), pk=whole_number(request.POST.get("category", "")) or 0)
        released = services.entry_codes_release(category=category)
        messages.success(request, _("%(n)s reserved seats given back.") % {"n": released})
        return redirect("events:codes", slug=event.slug)
    if request.GET.get("format") == "csv":
        return csv_response(f"{event.pk}-codes", [pgettext("entry code", "Code"), _("Category"), _("Uses"), _("Used"),
                                                  _("Price"),
                                                  _("Valid until"), _("Note")],
                            ([c.code, localized(c.category, "name"), c.uses_allowed, c.uses,
                              money.yuan2(c.price_fen) if c.price_fen is not None else "",
                              times.when(c.expires_at, event), c.note]
                             for c in event.entry_codes.select_related("category")))
    return render(request, "events/entry_codes.html", {
        "event": event, "form": form, "import_form": import_form,
        "codes": event.entry_codes.select_related("category")[:1000],
        "reserved": [c for c in event.categories.all() if c.code_seats],
        "deferred_from": Event.objects.filter(created_by=event.created_by, registrations__deferred_at__isnull=False)
        .exclude(pk=event.pk).distinct()})


MAX_COMPANIONS = 6


@login_required
def family_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """Register family or friends in one go (with or without yourself): each companion's profile and
    answers; children under 18 with your consent as their guardian; every seat or none."""
    event = event_get(slug=slug, user=request.user)
    count = min(max(whole_number(request.GET.get("n", "1")) or 1, 1), MAX_COMPANIONS)
    if request.method == "POST":
        count = min(max(whole_number(request.POST.get("count", "1")) or 1, 1), MAX_COMPANIONS)
    data = request.POST if request.method == "POST" else None
    form = RegistrationForm(data, event=event, rider=request.user, check_answers=False)
    form.fields["adult_rides"] = forms.BooleanField(label=_("I ride too"), required=False, initial=True)
    form.fields["friends"] = forms.CharField(
        label=_("Friends with an account (usernames, separated by commas): each confirms their own seat"),
        required=False, max_length=500)
    form.fields["guardian_consent"] = forms.BooleanField(
        label=_("I am the guardian of the children I register and consent to them riding"), required=False)
    for name, field in form.fields.items():
        if name.startswith("q_"):
            field.required = False  # only when you ride too (checked by the service)
    companions = [CompanionForm(data, event=event, prefix=f"c{i}", empty_permitted=True,
                                use_required_attribute=False) for i in range(count)]
    if request.method == "POST" and form.is_valid() and all(c.is_valid() for c in companions):
        with shown_on(form) as outcome:
            made = services.registrations_create_family(
                category=form.cleaned_data["category"], adult=request.user,
                companions=[c.companion() for c in companions if c.has_changed()],
                adult_rides=form.cleaned_data["adult_rides"], adult_answers=form.answers(),
                accept_waiver=form.cleaned_data.get("accept_waiver", False),
                guardian_consent=form.cleaned_data["guardian_consent"],
                id_consent=bool(form.cleaned_data.get("id_consent")),
                friends=riders_by_username(usernames=names, field="friends") if (names := [
                    n for n in form.cleaned_data["friends"].replace("，", ",").split(",") if n.strip()]) else [])
        if outcome.ok:
            messages.success(request, _("%(n)s riders registered.") % {"n": len(made)})
            mine = [r for r in made if request.user.pk in (r.rider_id, r.rider.guardian_id)]
            return redirect("events:registration", pk=mine[0].pk) if mine else redirect("events:detail",
                                                                                         slug=event.slug)
    return render(request, "events/family_entry.html", {"event": event, "form": form, "companions": companions,
                                                        "count": count, "more": count < MAX_COMPANIONS})
