"""Timing pages (issue 29): the organizer's timing page (settings, checkpoints, devices, unknown chips,
passings and corrections, one small view per POST action), the public live results that refresh
themselves, and the organizer's live page of the field with its map. Views read through
timing.selectors and events.selectors and write through the services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.views import form_errors_flashed, shown_on
from events.selectors import event_for_organizer, event_get, is_organizer, registration_of_rider
from events.selectors.raceday import event_for_checkin
from timing import certificates, selectors, services
from timing.forms import (
    CheckpointForm,
    PassingAddForm,
    PassingDeleteForm,
    PassingMoveForm,
    RulingForm,
    TimingForm,
    WithdrawForm,
)
from timing.models import Ruling, Timing


def _back(event, anchor: str = "") -> HttpResponse:
    return redirect(reverse("timing:manage", args=[event.slug]) + (f"#{anchor}" if anchor else ""))


def _valid(request: HttpRequest, form) -> bool:
    if form.is_valid():
        return True
    form_errors_flashed(request, form)
    return False


@login_required
def timing_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The organizer's timing page; a POST goes to the small view its `action` names."""
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        return action(request, event) if action else _back(event)
    timing = selectors.timing_for(event=event) or Timing(event=event)
    bib = request.GET.get("bib", "").strip()
    checkpoints = selectors.checkpoints_of(event=event)
    return render(request, "timing/manage.html", {
        "event": event, "timing": timing, "settings_form": TimingForm(instance=timing),
        "checkpoints": checkpoints, "checkpoint_form": CheckpointForm(event=event),
        "course_map": selectors.course_map(event=event, checkpoints=checkpoints),
        "devices": selectors.devices_of(event=event), "unknown": selectors.unknown_codes(event=event),
        "passings": selectors.passings_of(event=event, bib=int(bib) if bib.isdigit() and len(bib) < 10 else None,
                                          limit=50),
        "bib": bib, "add_form": PassingAddForm(event=event), "ruling_form": RulingForm(event=event),
        "move_form": PassingMoveForm(event=event), "corrections": selectors.corrections_of(event=event, limit=30)})


def settings_save(request: HttpRequest, event) -> HttpResponse:
    form = TimingForm(request.POST, instance=selectors.timing_for(event=event) or Timing(event=event))
    if _valid(request, form):
        with shown_on(request) as outcome:
            services.timing_update(event=event, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        if outcome.ok:
            messages.success(request, _("The timing settings were saved and the results recounted."))
    return _back(event, "settings")


def checkpoint_add(request: HttpRequest, event) -> HttpResponse:
    form = CheckpointForm(request.POST, event=event)
    if _valid(request, form):
        with shown_on(request) as outcome:
            checkpoint = services.checkpoint_save(event=event, **form.spec())
        if outcome.ok:
            messages.success(request, _("Checkpoint %(name)s added.") % {"name": checkpoint.name})
    return _back(event, "checkpoints")


def checkpoint_remove(request: HttpRequest, event) -> HttpResponse:
    checkpoint = next((c for c in selectors.checkpoints_of(event=event)
                       if str(c.pk) == request.POST.get("checkpoint", "")), None)
    if checkpoint is not None:
        services.checkpoint_remove(checkpoint=checkpoint)
        messages.success(request, _("Checkpoint %(name)s removed; its passings are kept.") % {"name": checkpoint.name})
    return _back(event, "checkpoints")


def passing_add(request: HttpRequest, event) -> HttpResponse:
    form = PassingAddForm(request.POST, event=event)
    if _valid(request, form):
        with shown_on(request) as outcome:
            services.passing_add(event=event, by=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("Passing added for bib %(bib)s.") % {"bib": form.cleaned_data["bib"]})
    return _back(event, "passings")


def passing_move(request: HttpRequest, event) -> HttpResponse:
    form = PassingMoveForm(request.POST, event=event)
    if _valid(request, form):
        data = form.cleaned_data
        with shown_on(request) as outcome:
            services.passing_move(event=event, by=request.user, passing_id=data["passing"], at=data["at"],
                                  checkpoint=data["checkpoint"], reason=data["reason"])
        if outcome.ok:
            messages.success(request, _("Passing moved."))
    return _back(event, "passings")


def passing_delete(request: HttpRequest, event) -> HttpResponse:
    form = PassingDeleteForm(request.POST)
    if _valid(request, form):
        with shown_on(request) as outcome:
            services.passing_delete(event=event, by=request.user, passing_id=form.cleaned_data["passing"],
                                    reason=form.cleaned_data["reason"])
        if outcome.ok:
            messages.success(request, _("Passing deleted (kept in the corrections)."))
    return _back(event, "passings")


def ruling(request: HttpRequest, event) -> HttpResponse:
    form = RulingForm(request.POST, event=event)
    if _valid(request, form):
        data = form.cleaned_data
        with shown_on(request) as outcome:
            if data["status"] == "lift":
                services.ruling_lift(event=event, by=request.user, bib=data["bib"], reason=data["reason"])
            else:
                services.ruling_set(event=event, by=request.user, bib=data["bib"], status=data["status"],
                                    checkpoint=data["checkpoint"], reason=data["reason"])
        if outcome.ok:
            messages.success(request, _("Status of bib %(bib)s recorded.") % {"bib": data["bib"]})
    return _back(event, "rulings")


def relink(request: HttpRequest, event) -> HttpResponse:
    found = services.passings_relink(event=event)
    messages.success(request, _("%(n)s passings matched to riders.") % {"n": found})
    return _back(event, "unknown")


def recount(request: HttpRequest, event) -> HttpResponse:
    with shown_on(request) as outcome:
        counted = services.results_recount_all(event=event)
    if outcome.ok:
        messages.success(request, _("%(n)s results recounted.") % {"n": counted})
    return _back(event)


ACTIONS: dict[str, Callable[[HttpRequest, object], HttpResponse]] = {
    "settings": settings_save, "checkpoint_add": checkpoint_add, "checkpoint_remove": checkpoint_remove,
    "passing_add": passing_add, "passing_move": passing_move, "passing_delete": passing_delete, "ruling": ruling,
    "relink": relink, "recount": recount,
}


def live_results(request: HttpRequest, slug: str) -> HttpResponse:
    """The public results while the race runs: it refreshes itself (static/js/live-results.js asks for
    the table again when the results changed), searchable by bib or shown name."""
    event = event_get(slug=slug, user=request.user)
    query = request.GET.get("q", "")[:40]
    # a page of rows (issue 27: 5,000 riders were one table of 1.26 MB, 1.05 s, asked again every 20 s)
    page, groups = selectors.live_results_page(event=event, query=query, number=request.GET.get("page"),
                                               per_page=selectors.LIVE_PAGE)
    context = {"event": event, "groups": groups, "page": page, "q": query,
               "changed_at": selectors.changed_at(event=event), "has_timing": selectors.has_timing(event=event)}
    if request.GET.get("part") == "table":
        return render(request, "timing/_live_table.html", context)
    return render(request, "timing/live.html", context)


@login_required
def live_field(request: HttpRequest, slug: str) -> HttpResponse:
    """The organizer's live page: every rider's last known place on the map, counts per checkpoint,
    riders past a closing time (for the broom wagon). Check-in helpers see it too, and record there a
    rider they took off the course (withdrawn at their checkpoint)."""
    event = event_for_checkin(slug=slug, user=request.user)
    if request.method == "POST":
        form = WithdrawForm(request.POST, event=event)
        if _valid(request, form):
            data = form.cleaned_data
            with shown_on(request) as outcome:
                services.ruling_set(event=event, by=request.user, bib=data["bib"], status=Ruling.Status.WITHDRAWN,
                                    checkpoint=data["checkpoint"], reason=data["reason"])
            if outcome.ok:
                messages.success(request, _("Bib %(bib)s withdrawn at %(where)s.")
                                 % {"bib": data["bib"], "where": data["checkpoint"].name})
        return redirect(reverse("timing:field", args=[event.slug]) + "#withdraw")
    organizer = is_organizer(user=request.user, event=event)
    places, counts, broom = selectors.field_of(event=event, phones=organizer)  # helpers: passings only
    checkpoints = selectors.checkpoints_of(event=event)
    sos = selectors.sos_calls(event=event) if organizer else []
    return render(request, "timing/field.html", {
        "event": event, "places": places, "broom": broom, "organizer": organizer, "sos": sos,
        "withdraw_form": WithdrawForm(event=event), "checkpoints": [(c, counts.get(c.pk, 0)) for c in checkpoints],
        "map_data": selectors.field_map(event=event, places=places, counts=counts, checkpoints=checkpoints, sos=sos)})



@login_required
def tracking(request: HttpRequest, pk: int) -> HttpResponse:
    """The rider's page for race day: share the phone's position with the organizers (and a link of
    their own), and the SOS button (static/js/tracking.js keeps and sends the positions)."""
    registration = selectors.own_registration(registration_id=pk, user=request.user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        with shown_on(request) as outcome:
            if action == "start":
                services.tracking_start(registration=registration)
                done = _("You share your position with the organizers until the event ends.")
            elif action == "stop":
                erased = services.tracking_stop(registration=registration)
                done = _("You no longer share your position; %(n)s positions were erased.") % {"n": erased}
            elif action == "share":
                services.share_link_make(registration=registration)
                done = _("A new share link was made: the old one no longer opens.")
            else:
                services.share_link_revoke(registration=registration)
                done = _("The share link no longer opens.")
        if outcome.ok:
            messages.success(request, done)
        return redirect("timing:tracking", pk=registration.pk)
    sharing = selectors.sharing_of(registration=registration)
    timing = selectors.timing_for(event=registration.event)
    share_url = (request.build_absolute_uri(reverse("timing:shared", args=[sharing.tracker.share_token]))
                 if sharing and sharing.tracker and sharing.tracker.share_token else "")
    return render(request, "timing/tracking.html", {
        "registration": registration, "event": registration.event, "sharing": sharing, "share_url": share_url,
        "emergency_phone": timing.emergency_phone if timing else "",
        "sharing_days": timing.positions_kept_days if timing else 7})


def shared(request: HttpRequest, token: str) -> HttpResponse:
    """What a rider's share link shows: their trail on the map and when it was last seen (no name,
    no number: the rider chose whom to send the link)."""
    tracker = selectors.tracker_by_token(token=token)
    if tracker is None:
        raise Http404
    last, map_data = selectors.trail_map(tracker=tracker)
    return render(request, "timing/shared.html", {"event": tracker.registration.event, "last": last,
                                                  "map_data": map_data})


def _certificate_response(request: HttpRequest, rows: list, filename: str) -> HttpResponse:
    try:
        body = certificates.pdf([selectors.certificate_of(row=row, verify_url=request.build_absolute_uri(
            reverse("timing:verify", args=[certificates.token_for(row.registration.pk, row.result.chip_seconds)])))
            for row in rows])
    except certificates.NoFont:
        messages.error(request, _("Certificates need a Chinese TrueType font on the server (fonts-wqy-microhei): "
                                  "ask the site's operator."))
        return redirect("events:registration", pk=rows[0].registration.pk) if len(rows) == 1 else redirect(
            "timing:manage", slug=rows[0].registration.event.slug)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """A finisher's certificate (the rider, their guardian, or the event's organizers)."""
    registration = registration_of_rider(registration_id=pk, user=request.user)
    row = selectors.result_of(registration=registration)
    if not selectors.certificate_ready(row=row):
        raise Http404
    return _certificate_response(request, [row], f"certificate-{registration.event.slug}-{registration.bib}.pdf")


@login_required
def certificates_all(request: HttpRequest, slug: str) -> HttpResponse:
    """Every finisher's certificate in one PDF, a page each (the organizer prints them)."""
    event = event_for_organizer(slug=slug, user=request.user)
    rows = selectors.finishers_of(event=event)
    if not rows:
        messages.error(request, _("No rider has finished yet."))
        return _back(event)
    return _certificate_response(request, rows, f"certificates-{event.slug}.pdf")


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """What a certificate's QR opens: whether it is genuine, with what it says."""
    found = certificates.token_read(token)
    row = selectors.certificate_check(registration_id=found[0], seconds=found[1]) if found else None
    return render(request, "timing/verify.html", {"row": row, "event": row.registration.event if row else None},
                  status=200 if row else 404)
