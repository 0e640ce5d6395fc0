"""The organizer's pages: create and edit an event, manage it (figures, roster, categories,
questions, results), a category's settings and ballot, actions on the event, check-in, exports,
a seat's history, the ID-number log, the results upload and entry codes."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from core import money, times
from core.csv import csv_response
from core.i18n import localized
from core.parse import whole_number
from core.signals import reply_items
from core.views import shown_on
from events import exports, services
from events.forms import (
    CancelEventForm,
    CategoryForm,
    CategoryFormSet,
    CategorySettingsForm,
    CheckinForm,
    EntryCodesForm,
    EntryCodesImportForm,
    EventForm,
    QuestionForm,
    QuestionFormSet,
    QuotaGroupForm,
    ResultsForm,
    WaveForm,
    WaveMoveForm,
    WaveSeedForm,
)
from events.models import Category, Event, Registration
from events.selectors import (
    can_create_events,
    category_of,
    checkin_candidates,
    checkin_counts,
    deferral_source,
    deferral_sources,
    entered_count,
    entry_codes_of,
    event_for_organizer,
    id_accesses_of,
    no_shows,
    question_count,
    registration_history,
    roster,
    roster_registration,
)
from events.selectors.extras import items_of
from events.selectors.raceday import event_for_checkin, waves_of
from events.signals import history_rows, organizer_figures, organizer_links
from events.views.common import (
    category_rows,
    category_spec,
    category_specs,
    map_settings,
    question_spec,
    question_specs,
)
from events.views.waves import ACTIONS as WAVE_ACTIONS
from routes.selectors import routes_for_events

CANCEL_REASON_MAX_LENGTH = 2000
SHOWN_ERRORS = 50  # a results file with more bad lines shows the first ones


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not can_create_events(request.user):
        raise PermissionDenied
    routes = routes_for_events(user=request.user)
    form = EventForm(request.POST or None)
    categories = CategoryFormSet(request.POST or None, prefix="cat", form_kwargs={"routes": routes})
    questions = QuestionFormSet(request.POST or None, prefix="q")
    if request.method == "POST" and form.is_valid() and categories.is_valid() and questions.is_valid():
        with shown_on(form) as outcome:
            event = services.event_create(created_by=request.user, categories=category_specs(categories),
                                          questions=question_specs(questions), **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The event was created as a draft. Publish it when it is ready."))
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "categories": categories,
                                                      "questions": questions, **map_settings()})


@login_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        with shown_on(form) as outcome:
            services.event_update(event=event, **form.cleaned_data)
        if outcome.ok:
            return redirect("events:manage", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": event, **map_settings()})


ROSTER_PAGE = 100


@login_required
def event_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    routes = routes_for_events(user=request.user)
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
                    services.category_add(event=event, spec=category_spec(form.cleaned_data))
                else:
                    services.question_add(event=event, spec=question_spec(form.cleaned_data, question_count(event)))
            if outcome.ok:
                messages.success(request, _("The category was added.") if adding == "category"
                                 else _("The question was added."))
                return redirect("events:manage", slug=event.slug)
    links = reply_items(organizer_links, sender=Event, event=event, request=request)
    # the roster a page at a time (issue 27: 5,000 rows took 734 ms and sent 5,000 ids to no_shows)
    page = Paginator(roster(event=event), ROSTER_PAGE).get_page(request.GET.get("page"))
    registrations = list(page.object_list)
    missed = no_shows(rider_ids=[r.rider_id for r in registrations])
    for r in registrations:
        r.no_shows = missed.get(r.rider_id, 0)
    return render(request, "events/event_manage.html", {
        "figures": reply_items(organizer_figures, sender=Event, event=event),
        "event": event, "rows": category_rows(event), "registrations": registrations, "page": page,
        "cancel_form": CancelEventForm(), "links": links,
        "results_form": ResultsForm() if event.starts_at <= timezone.now() else None,
        "category_form": category_form, "question_form": question_form, "questions": event.questions.all(),
    })


@login_required
def category_settings(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A category's settings and its ballot; a POST goes to the view its `action` names."""
    event = event_for_organizer(slug=slug, user=request.user)
    category = category_of(event=event, category_id=pk)
    if request.method == "POST":
        action = CATEGORY_ACTIONS.get(request.POST.get("action", "settings"))
        if action is None:
            return redirect("events:category", slug=event.slug, pk=category.pk)
        return action(request, category)
    return _category_page(request, category)


def _category_page(request: HttpRequest, category: Category, *, form: CategorySettingsForm | None = None,
                   quota_form: QuotaGroupForm | None = None) -> HttpResponse:
    ballot = getattr(category, "ballot", None) if category.mode == Category.Mode.BALLOT else None
    return render(request, "events/category_settings.html", {
        "event": category.event, "category": category, "ballot": ballot, "entered": entered_count(category),
        "form": form or CategorySettingsForm(instance=category),
        "quota_form": quota_form or QuotaGroupForm(event=category.event),
        "waves": waves_of(category), "wave_form": WaveForm(), "seed_form": WaveSeedForm(event=category.event),
        "move_form": WaveMoveForm(category=category)})


def _to_category(category: Category) -> HttpResponse:
    return redirect("events:category", slug=category.event.slug, pk=category.pk)


def category_save(request: HttpRequest, category: Category) -> HttpResponse:
    form = CategorySettingsForm(request.POST, instance=category)
    if form.is_valid():
        with shown_on(form) as outcome:
            services.category_update(category=category, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The category's settings were saved."))
            return redirect("events:manage", slug=category.event.slug)
    return _category_page(request, category, form=form)


def quota_group_add(request: HttpRequest, category: Category) -> HttpResponse:
    form = QuotaGroupForm(request.POST, event=category.event)
    if form.is_valid():
        with shown_on(form) as outcome:
            services.quota_group_add(ballot=services.ballot_setup(category=category), **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The quota group was added."))
            return _to_category(category)
    return _category_page(request, category, quota_form=form)


def no_shows_last(request: HttpRequest, category: Category) -> HttpResponse:
    services.ballot_no_shows_last(category=category, on=request.POST.get("no_shows_last") == "on")
    return _to_category(category)


def ballot_draw(request: HttpRequest, category: Category) -> HttpResponse:
    with shown_on(request) as outcome:
        drawn = services.ballot_draw(category=category)
    if outcome.ok:
        messages.success(request, _("The draw is made: %(winners)s of %(entries)s entries selected.") % {
            "winners": len(drawn.winners), "entries": len(drawn.entries["entries"])})
    return _to_category(category)


CATEGORY_ACTIONS: dict[str, Callable[[HttpRequest, Category], HttpResponse]] = {
    "settings": category_save, "quota": quota_group_add, "no_shows_last": no_shows_last, "draw": ballot_draw,
    **WAVE_ACTIONS,
}


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
def checkin_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_checkin(slug=slug, user=request.user)  # organizers and check-in helpers
    result = None
    form = CheckinForm(request.POST if "code" in request.POST else None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and "registration" in request.POST:  # found by name, bib or phone
        number = whole_number(request.POST.get("registration", ""))
        result = services.checkin_by_id(event=event, registration_id=number or 0)
    elif request.method == "POST" and form.is_valid():
        result = services.checkin(event=event, code=form.cleaned_data["code"])
        form = CheckinForm()
    find = request.GET.get("find", "")[:60]
    checked, confirmed = checkin_counts(event=event)
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
    registration = roster_registration(event=event, registration_id=pk)
    rows = registration_history(registration=registration) + reply_items(history_rows, sender=Registration,
                                                                     registration=registration)
    rows.sort(key=lambda row: (row.at, row.pk))
    return render(request, "events/registration_history.html",
                  {"event": event, "registration": registration, "rows": rows, "items": items_of(registration)})


@login_required
def id_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Who saw the event's ID numbers unmasked, when, and how many (organizers; staff in the admin)."""
    event = event_for_organizer(slug=slug, user=request.user)
    return render(request, "events/id_log.html", {"event": event, "entries": id_accesses_of(event=event),
                                                  "retention_days": settings.NATIONAL_ID_RETENTION_DAYS})


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


@login_required
def entry_codes(request: HttpRequest, slug: str) -> HttpResponse:
    """The organizer's entry codes: make N, import a CSV, export them, give reserved seats back; a
    POST goes to the view its `action` names."""
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        action = CODE_ACTIONS.get(request.POST.get("action", ""))
        return action(request, event) if action is not None else redirect("events:codes", slug=event.slug)
    if request.GET.get("format") == "csv":
        return csv_response(f"{event.pk}-codes", [pgettext("entry code", "Code"), _("Category"), _("Uses"), _("Used"),
                                                  _("Price"), _("Valid until"), _("Note")],
                            ([c.code, localized(c.category, "name"), c.uses_allowed, c.uses,
                              money.yuan2(c.price_fen) if c.price_fen is not None else "",
                              times.when(c.expires_at, event), c.note]
                             for c in entry_codes_of(event=event)))
    return _codes_page(request, event)


def _codes_page(request: HttpRequest, event: Event, *, form: EntryCodesForm | None = None,
                import_form: EntryCodesImportForm | None = None) -> HttpResponse:
    return render(request, "events/entry_codes.html", {
        "event": event, "form": form or EntryCodesForm(event=event),
        "import_form": import_form or EntryCodesImportForm(),
        "codes": entry_codes_of(event=event)[:1000], "reserved": [c for c in event.categories.all() if c.code_seats],
        "deferred_from": deferral_sources(event=event)})


def codes_create(request: HttpRequest, event: Event) -> HttpResponse:
    form = EntryCodesForm(request.POST, event=event)
    if form.is_valid():
        with shown_on(form) as outcome:
            made = services.entry_codes_create(event=event, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("%(n)s codes made.") % {"n": len(made)})
            return redirect("events:codes", slug=event.slug)
    return _codes_page(request, event, form=form)


def codes_import(request: HttpRequest, event: Event) -> HttpResponse:
    form = EntryCodesImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _codes_page(request, event, import_form=form)
    report = services.entry_codes_import(event=event, data=form.cleaned_data["file"].read(),
                                         reserve=form.cleaned_data["reserve"])
    for error in report.errors[:20]:
        messages.error(request, error)
    if report.applied:
        messages.success(request, _("%(n)s codes imported.") % {"n": report.applied})
    return redirect("events:codes", slug=event.slug)


def deferral_codes(request: HttpRequest, event: Event) -> HttpResponse:
    source = deferral_source(event=event, source_id=whole_number(request.POST.get("from_event", "")))
    category = category_of(event=event, category_id=whole_number(request.POST.get("category", "")))
    with shown_on(request) as outcome:
        made = services.deferral_codes_issue(from_event=source, category=category)
    if outcome.ok:
        messages.success(request, _("%(n)s codes made for riders who deferred; each was told.") % {"n": len(made)})
    return redirect("events:codes", slug=event.slug)


def codes_release(request: HttpRequest, event: Event) -> HttpResponse:
    category = category_of(event=event, category_id=whole_number(request.POST.get("category", "")))
    released = services.entry_codes_release(category=category)
    messages.success(request, _("%(n)s reserved seats given back.") % {"n": released})
    return redirect("events:codes", slug=event.slug)


CODE_ACTIONS: dict[str, Callable[[HttpRequest, Event], HttpResponse]] = {
    "create": codes_create, "import": codes_import, "deferrals": deferral_codes, "release": codes_release,
}
