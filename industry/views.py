"""Insights pages: the public anonymised summary, the analysts' dashboard, event statistics, the
linkage report and the sales import. Every table can be downloaded as CSV (?format=csv)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.csv import csv_response
from core.i18n import localized
from core.views import shown_on
from events.models import Event
from events.selectors import event_for_organizer
from industry import charts, labels, selectors, services
from industry.forms import LinkageForm, SalesImportForm, SponsorshipForm
from industry.models import Brand, SalesImport, SalesRecord, Sponsorship
from industry.sales import sales_import, sales_import_progress, sales_import_start


def _shown(value: int | None) -> str:
    return selectors.suppressed_label() if value is None else str(value)


def summary(request: HttpRequest) -> HttpResponse:
    """Public: monthly participation and shares, every cell under 5 riders suppressed."""
    data = selectors.public_summary()
    for dimension in ("locality", "gender", "age_band", "brand_origin"):
        data[dimension] = labels.ordered(dimension, data[dimension])
    table = request.GET.get("table")
    if request.GET.get("format") == "csv":
        if table in ("locality", "gender", "age_band", "brand_origin"):
            return csv_response(f"summary-{table}", [_("Group"), _("Riders")], [[b, _shown(n)] for b, n in data[table]])
        return csv_response("summary-monthly", [_("Month"), _("Participants"), _("Events"), _("First-time riders")],
                    [[m["month"].strftime("%Y-%m"), _shown(m["participants"]), m["events"],
                      _shown(m["first_time_riders"])] for m in data["monthly"]])
    chart = charts.bars([(m["month"].strftime("%y-%m"), m["participants"]) for m in data["monthly"]],
                        title=_("Participants per month"))
    return render(request, "industry/summary.html", {
        "data": data, "chart": mark_safe(chart),  # noqa: S308 - our own SVG, labels escaped
        "last_computed": selectors.last_computed(), "demo": selectors.synthetic_data_present(),
        "insider": selectors.may_see_insights(request.user),
        "suppressed": selectors.suppressed_label(), "suppress_below": selectors.SUPPRESS_BELOW,
    })


def _chart_words() -> dict[str, str]:
    return {"peak": _("peak {n}"), "axis": _("Share of each line's own peak, in percent")}


def _insider(request: HttpRequest) -> None:
    if not selectors.may_see_insights(request.user):
        raise Http404


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _insider(request)
    brands = list(selectors.visible_brands(request.user))
    sales = selectors.sales_by_month(brands=brands)
    months = selectors.monthly()
    all_months = sorted({m.month for m in months} | {m for b in sales.values() for m in b})
    table = request.GET.get("table")
    if request.GET.get("format") == "csv":
        if table == "sales":
            return csv_response("sales", [_("Brand"), *[m.strftime("%Y-%m") for m in all_months]],
                        [[b.name, *[sales.get(b.pk, {}).get(m, "") for m in all_months]] for b in brands])
        if table == "brands":
            return csv_response("brand-share", [_("Brand"), _("Riders")],
                        [[b.name if b else _("unknown"), n] for b, n in selectors.brand_shares()])
        return csv_response("monthly", [_("Month"), _("Participants"), _("Events"), _("Unique riders"),
                                _("First-time riders")],
                    [[m.month.strftime("%Y-%m"), m.participants, m.events, m.unique_riders, m.first_time_riders]
                     for m in months])
    participation = {m.month: m.participants for m in months}
    line_chart = charts.lines([m.strftime("%y-%m") for m in all_months], [
        (_("Participants"), [participation.get(m, 0) for m in all_months]),
        *[(localized(b, "name"), [sales.get(b.pk, {}).get(m, 0) for m in all_months]) for b in brands[:5]],
    ], title=_("Participation and sales (units) per month"), **_chart_words())
    share = charts.hbars([(localized(b, "name") if b else _("unknown"), n) for b, n in selectors.brand_shares()],
                         title=_("Brand ridden by participants"))
    return render(request, "industry/dashboard.html", {
        "months": months, "brands": brands, "sales": sales, "all_months": all_months,
        "participation_chart": mark_safe(charts.bars(  # noqa: S308 - our own SVG
            [(m.month.strftime("%y-%m"), m.participants) for m in months], title=_("Participants per month"))),
        "line_chart": mark_safe(line_chart), "share_chart": mark_safe(share),  # noqa: S308 - our own SVG
        "events": selectors.sponsored_events(), "stat_events": Event.objects.filter(
            status=Event.Status.COMPLETED).order_by("-starts_at")[:50],
        "last_computed": selectors.last_computed(), "demo": selectors.synthetic_data_present(),
        "analyst": selectors.is_analyst(request.user), "linkage_form": LinkageForm(events=selectors.sponsored_events()),
    })


@login_required
def event_stats(request: HttpRequest, slug: str) -> HttpResponse:
    _insider(request)
    event = get_object_or_404(Event, slug=slug)
    rows = selectors.event_rows(event=event)
    named = {dimension: labels.names(dimension) for dimension in {r.dimension for r in rows}}

    def _bucket(row) -> str:
        return labels.bucket_label(row.dimension, row.bucket, named[row.dimension])

    if request.GET.get("format") == "csv":
        return csv_response(f"event-{event.pk}", [
            _("Category"), _("Dimension"), _("Group"), _("Registered"), _("Confirmed"), _("Waitlisted"),
            _("Cancelled"), _("Checked in"), _("Finished"),
        ], [[r.category.name, labels.dimension_label(r.dimension), _bucket(r), r.registered, r.confirmed,
             r.waitlisted, r.cancelled, r.checked_in, r.finished] for r in rows])
    groups: dict[str, list] = {}
    for row in sorted(rows, key=lambda r: (r.dimension, r.category.position, labels.AGE_ORDER.get(r.bucket, 99))):
        row.label = _bucket(row)
        groups.setdefault(labels.dimension_label(row.dimension), []).append(row)
    bars = {}
    for dimension, rows_of in groups.items():
        totals: dict[str, int] = {}
        for row in rows_of:
            totals[row.label] = totals.get(row.label, 0) + row.confirmed
        if dimension != labels.dimension_label("day") and len(totals) > 1:
            bars[dimension] = mark_safe(charts.hbars(list(totals.items()), title=dimension))  # noqa: S308 - our SVG
    return render(request, "industry/event_stats.html", {"event": event, "groups": groups, "charts": bars,
                                                         "last_computed": selectors.last_computed()})


@login_required
def linkage(request: HttpRequest) -> HttpResponse:
    _insider(request)
    events = selectors.sponsored_events()
    query = request.GET
    if "events" not in query:  # opens on a report: the most recent sponsored event, six months either side
        latest = events.order_by("-starts_at").first()
        if latest is not None:
            query = query.copy()
            query.setlist("events", [str(latest.pk)])
            query.setdefault("months", "6")
    form = LinkageForm(query or None, events=events)
    report = None
    if form.is_valid():
        report = selectors.linkage(events=list(form.cleaned_data["events"]), months=form.cleaned_data["months"],
                                   viewer=request.user)
        if request.GET.get("format") == "csv":
            return csv_response("linkage", [
                _("Brand"), _("Tier"), _("Units before"), _("Units after"), _("Months before"), _("Months after"),
                _("Change %"), _("Baseline change %"), _("Difference (points)"), _("Participants"), _("Note"),
            ], [[r.brand.name, r.tier, r.window.before, r.window.after, r.window.months_before,
                 r.window.months_after, _fmt(r.window.change), _fmt(r.baseline.change), _fmt(r.difference),
                 report.participants, _thin_text(r.thin)] for r in report.brands])
    chart = ""
    if report and report.series:
        chart = charts.lines([m.strftime("%y-%m") for m, _p, _s in report.series], [
            (_("Participants"), [p for _m, p, _s in report.series]),
            *[(localized(r.brand, "name"), [s.get(r.brand.pk, 0) for _m, _p, s in report.series])
              for r in report.brands]], title=_("Participation and sponsors' sales per month"), **_chart_words())
    return render(request, "industry/linkage.html", {
        "form": form, "report": report, "chart": mark_safe(chart),  # noqa: S308 - our own SVG
        "thin_text": {r.brand.pk: _thin_text(r.thin) for r in report.brands} if report else {},
    })


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _thin_text(reasons: list[str]) -> str:
    texts = {
        "months": _("Too few months of sales before or after the event (fewer than %(count)s) to compare.")
        % {"count": selectors.MIN_MONTHS},
        "participants": _("Too few participants (fewer than %(count)s) to relate to sales.")
        % {"count": selectors.MIN_PARTICIPANTS},
        "baseline": _("Not enough sales of local brands that did not sponsor to form a baseline."),
    }
    return " ".join(texts[r] for r in reasons)


@login_required
def sales_upload(request: HttpRequest) -> HttpResponse:
    if not selectors.is_analyst(request.user):
        raise Http404
    form = SalesImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.SALES_ASYNC_BYTES:  # a long file: in the background, with progress
            job = sales_import_start(upload=upload, user=request.user, language=get_language())
            return redirect("insights:sales-import-status", pk=job.pk)
        report = sales_import(data=upload)
        errors = report.errors
        if not errors:
            messages.success(request, _("%(count)s sales rows saved.") % {"count": report.applied})
            return redirect("insights:dashboard")
    return render(request, "industry/sales_upload.html", {"form": form, "errors": errors,
                                                          "rows": SalesRecord.objects.count()})


@login_required
def sales_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import's progress; the page reloads itself until the import has finished."""
    if not selectors.is_analyst(request.user):
        raise Http404
    job = get_object_or_404(SalesImport, pk=pk)
    return render(request, "industry/sales_import_status.html", {
        "job": job, "rows_read": sales_import_progress(sales_import_id=job.pk),
        "finished": job.status in (SalesImport.Status.DONE, SalesImport.Status.FAILED)})


@login_required
def event_sponsors(request: HttpRequest, slug: str) -> HttpResponse:
    """Organizers record their event's sponsors (the linkage report compares their sales)."""
    event = event_for_organizer(slug=slug, user=request.user)
    form = SponsorshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with shown_on(request) as outcome:
            if form.cleaned_data["remove"]:
                services.sponsorship_remove(event=event, brand=form.cleaned_data["brand"])
            else:
                services.sponsorship_set(event=event, brand=form.cleaned_data["brand"],
                                         tier=form.cleaned_data["tier"])
        if outcome.ok:
            messages.success(request, _("The sponsor was removed.") if form.cleaned_data["remove"]
                             else _("The sponsor was saved."))
        return redirect("insights:event-sponsors", slug=event.slug)
    if request.method == "POST":
        messages.error(request, _("That action is not possible."))
    return render(request, "industry/event_sponsors.html", {
        "event": event, "form": SponsorshipForm(), "sponsorships": event.sponsorships.select_related("brand"),
        "brands": Brand.objects.order_by("name"), "tiers": Sponsorship.Tier.choices,
    })
