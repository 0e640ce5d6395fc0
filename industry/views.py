"""Insights pages: the public anonymised summary, the analysts' dashboard, event statistics, the
linkage report and the sales import. Every table can be downloaded as CSV (?format=csv)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.csv import csv_response
from core.i18n import localized
from core.views import shown_on
from events.models import Event
from events.selectors import event_for_organizer
from industry import charts, estimates, labels, selectors, services
from industry.forms import BrandMonthsForm, HeatImportForm, LinkageForm, SalesImportForm, SponsorshipForm
from industry.heat import MAX_BYTES as MAX_HEAT_BYTES
from industry.heat import topic_heat_import
from industry.models import SalesImport, SalesRecord, Sponsorship
from industry.sales import sales_import, sales_import_progress, sales_import_start


def _csv(filename: str, header: list, rows) -> HttpResponse:
    """A CSV of the insights; while made-up demo data is in the database, every row says so in a last
    column, as every page says so in a banner."""
    if not selectors.synthetic_data_present():
        return csv_response(filename, header, rows)
    return csv_response(filename, [*header, _("Synthetic data")], [[*row, _("yes")] for row in rows])


def _shown(value: int | None) -> str:
    return selectors.count_shown(value)


def summary(request: HttpRequest) -> HttpResponse:
    """Public: monthly participation and shares, every cell under 5 riders suppressed."""
    data = selectors.public_summary()
    for dimension in ("locality", "gender", "age_band", "brand_origin"):
        data[dimension] = labels.ordered(dimension, data[dimension])
    district = _district_rows(data["district"])
    table = request.GET.get("table")
    if request.GET.get("format") == "csv":
        if table in ("locality", "gender", "age_band", "brand_origin"):
            return _csv(f"summary-{table}", [_("Group"), _("Riders")], [[b, _shown(n)] for b, n in data[table]])
        if table == "district":
            return _csv("summary-district", district["header"],
                                [[label, *[_shown(n) for n in cells]] for label, cells in district["rows"]])
        return _csv("summary-monthly", [_("Month"), _("Participants"), _("Events"), _("First-time riders")],
                    [[m["month"].strftime("%Y-%m"), _shown(m["participants"]), m["events"],
                      _shown(m["first_time_riders"])] for m in data["monthly"]])
    chart = charts.bars([(m["month"].strftime("%y-%m"), None if m["participants"] == selectors.PROTECTING
                          else m["participants"]) for m in data["monthly"]],
                        title=_("Participants per month"), x_label=_("month (months with events)"),
                        y_label=_("participants"))
    shown = {**data, "monthly": [{**m, "participants": _shown(m["participants"]),
                                   "first_time_riders": _shown(m["first_time_riders"])} for m in data["monthly"]],
             **{d: [(b, _shown(n)) for b, n in data[d]] for d in ("locality", "gender", "age_band", "brand_origin")}}
    district = {**district, "rows": [(label, [_shown(n) for n in cells]) for label, cells in district["rows"]]}
    return render(request, "industry/summary.html", {
        "data": shown, "chart": mark_safe(chart),  # noqa: S308 - our own SVG, labels escaped
        "district": district,
        "last_computed": selectors.last_computed(), "demo": selectors.synthetic_data_present(),
        "insider": selectors.may_see_insights(request.user),
        "suppressed": selectors.suppressed_label(), "suppress_below": selectors.SUPPRESS_BELOW,
        "hidden": selectors.protecting_label(),
    })


def _district_rows(table: selectors.DistrictTable) -> dict:
    """The county-by-kind table with its totals, labelled: header and (label, counts) rows."""
    kinds = dict(Event.Kind.choices)
    header = [_("County or district"), *[str(kinds.get(k, k)) for k in table.kinds], _("Total")]
    published = table.published
    marks = table.secondary

    def mark(value: int | None, key: tuple[str, int, int]) -> int | None:
        return selectors.PROTECTING if key in marks else value

    rows = [(labels.bucket_label("district", d), [*[mark(v, ("cell", i, j)) for j, v in enumerate(published.cells[i])],
                                                  mark(published.row_totals[i], ("row", i, 0))])
            for i, d in enumerate(table.districts)]
    if table.districts:
        rows.append((_("Total"), [*[mark(v, ("col", j, 0)) for j, v in enumerate(published.col_totals or [])],
                                  mark(published.total, ("total", 0, 0))]))
    return {"header": header, "rows": rows}


def _chart_words() -> dict[str, str]:
    return {"peak": _("peak {n}"), "axis": _("Share of each line's own peak, in percent"), "x_label": _("month")}


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
    brand_form = BrandMonthsForm(request.GET if "brand" in request.GET else None,
                                 brands=selectors.visible_brands(request.user))
    brand_rows = None
    if brand_form.is_valid():
        brand_rows = selectors.brand_months(brand=brand_form.cleaned_data["brand"],
                                            channel=brand_form.cleaned_data.get("channel") or "all")
        if request.GET.get("format") == "csv":
            return _csv("brand-months", [
                _("Month"), _("Units"), _("Month on month %"), _("Year on year %"), _("Mentions"),
                _("Mentions, month on month %"), _("Mentions, year on year %")],
                [[r.month.strftime("%Y-%m"), r.value, _pct(r.mom), _pct(r.yoy), "" if r.heat is None else r.heat,
                  _pct(r.heat_mom), _pct(r.heat_yoy)] for r in brand_rows])
    if request.GET.get("format") == "csv":
        if table == "sales":
            return _csv("sales", [_("Brand"), *[m.strftime("%Y-%m") for m in all_months]],
                        [[localized(b, "name"), *[sales.get(b.pk, {}).get(m, "") for m in all_months]] for b in brands])
        if table == "brands":
            return _csv("brand-share", [_("Brand"), _("Riders")],
                        [[localized(b, "name") if b else _("unknown"), n] for b, n in selectors.brand_shares()])
        return _csv("monthly", [_("Month"), _("Participants"), _("Events"), _("Unique riders"),
                                _("First-time riders")],
                    [[m.month.strftime("%Y-%m"), m.participants, m.events, m.unique_riders, m.first_time_riders]
                     for m in months])
    participation = {m.month: m.participants for m in months}
    line_series = [
        (_("Participants"), [participation.get(m, 0) for m in all_months]),
        *[(localized(b, "name"), [sales.get(b.pk, {}).get(m, 0) for m in all_months]) for b in brands[:5]],
    ]
    line_months = [m.strftime("%y-%m") for m in all_months]
    line_chart = charts.lines(line_months, line_series, title=_("Participation and sales (units) per month"),
                              **_chart_words())
    line_table = charts.data_table(line_months, line_series, caption=_("The chart's figures"), first=_("Month"))
    share = charts.hbars([(localized(b, "name") if b else _("unknown"), n) for b, n in selectors.brand_shares()],
                         title=_("Brand ridden by participants"))
    return render(request, "industry/dashboard.html", {
        "months": months, "brands": brands, "sales": sales, "all_months": all_months,
        "participation_chart": mark_safe(charts.bars(  # noqa: S308 - our own SVG
            [(m.month.strftime("%y-%m"), m.participants) for m in months], title=_("Participants per month"),
            x_label=_("month (months with events)"), y_label=_("participants"))),
        "line_chart": mark_safe(line_chart), "share_chart": mark_safe(share),  # noqa: S308 - our own SVG
        "line_table": mark_safe(line_table),  # noqa: S308 - escaped by charts.data_table
        "events": selectors.sponsored_events(), "stat_events": selectors.completed_events(),
        "last_computed": selectors.last_computed(), "demo": selectors.synthetic_data_present(),
        "analyst": selectors.is_analyst(request.user), "linkage_form": LinkageForm(events=selectors.sponsored_events()),
        "brand_form": brand_form, "brand_rows": brand_rows,
    })


@login_required
def event_stats(request: HttpRequest, slug: str) -> HttpResponse:
    _insider(request)
    event = selectors.event_by_slug(slug)
    rows = selectors.event_rows(event=event)
    named = {dimension: labels.names(dimension) for dimension in {r.dimension for r in rows}}

    def _bucket(row) -> str:
        return labels.bucket_label(row.dimension, row.bucket, named[row.dimension])

    if request.GET.get("format") == "csv":
        return _csv(f"event-{event.pk}", [
            _("Category"), _("Dimension"), _("Group"), _("Registered"), _("Confirmed"), _("Waitlisted"),
            _("Cancelled"), _("Checked in"), _("Finished"),
        ], [[localized(r.category, "name"), labels.dimension_label(r.dimension), _bucket(r), r.registered, r.confirmed,
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
                                                         "last_computed": selectors.last_computed(),
                                                         "demo": selectors.synthetic_data_present()})


@login_required
def linkage(request: HttpRequest) -> HttpResponse:
    _insider(request)
    events = selectors.sponsored_events()
    query = request.GET
    if "events" not in query:  # opens on a report: the most recent sponsored event, six months either side
        latest = selectors.latest_sponsored_event()
        if latest is not None:
            query = query.copy()
            query.setlist("events", [str(latest.pk)])
            query.setdefault("months", "6")
    form = LinkageForm(query or None, events=events)
    report = None
    if form.is_valid():
        chosen = {"events": list(form.cleaned_data["events"]), "months": form.cleaned_data["months"],
                  "channel": form.cleaned_data.get("channel") or "all", "brand": form.cleaned_data.get("brand")}
        try:
            report = selectors.linkage(events=chosen["events"], months=chosen["months"], viewer=request.user,
                                       channel=chosen["channel"], only_brand=chosen["brand"],
                                       budget=selectors.ANALYSES_IN_A_REQUEST)
        except selectors.ReportNotReady:  # more than a request's share of work: a worker computes it
            services.linkage_prepare(viewer=request.user, **chosen)
            return render(request, "industry/linkage_pending.html", {"form": form}, status=202)
        if request.GET.get("format") == "csv":
            return _linkage_csv(report, request.GET.get("table", ""))
    chart = table = ""
    if report and report.series:
        months = [m.strftime("%y-%m") for m, _p, _s in report.series]
        series = [(_("Participants"), [p for _m, p, _s in report.series]),
                  *[(localized(r.brand, "name"), [s.get(r.brand.pk, 0) for _m, _p, s in report.series])
                    for r in report.brands]]
        chart = charts.lines(months, series, title=_("Participation and sponsors' sales per month"), **_chart_words())
        table = charts.data_table(months, series, caption=_("The chart's figures"), first=_("Month"))
    sections = []
    for row in report.brands if report else []:
        main = next((e.result for e in row.estimates if e.key == "all"), None)
        study = ""
        if main and main.event_study and main.credible:
            study = charts.effects(
                [(r.relative_month, r.effect.pct, r.effect.low_pct, r.effect.high_pct) for r in main.event_study],
                title=_("%(brand)s's sales against the comparison brands, by month from the event")
                % {"brand": localized(row.brand, "name")},
                x_label=_("months from the event month"), y_label=_("difference in sales, %"))
        sections.append({"row": row, "main": main, "study": mark_safe(study),  # noqa: S308 - our own SVG
                         "estimates": [(series_label(e.key), e.result, _reasons_text(e.result.reasons),
                                        withheld_text(e.result)) for e in row.estimates],
                         "comparison": main.estimate.comparison if main and main.estimate else row.baseline_brands,
                         "sensitivity": sensitivity_text(main), "cautions": caution_texts(main)})
    several = sum(1 for row in report.brands for e in row.estimates
                  if e.result.estimate and e.result.credible) if report else 0
    return render(request, "industry/linkage.html", {
        "form": form, "report": report, "chart": mark_safe(chart), "chart_table": mark_safe(table),  # noqa: S308 - our SVG, escaped table
        "sections": sections, "several": several if several > 1 else 0,
        "demo": selectors.synthetic_data_present(),
        "thin_text": {r.brand.pk: _thin_text(r.thin) for r in report.brands} if report else {},
        "alpha": estimates.PRETREND_ALPHA, "shift": estimates.PLACEBO_SHIFT,
    })


def series_label(key: str) -> str:
    return {"all": _("Sales, all channels"), "heat": _("Topic heat (mentions)"),
            **{value: str(label) for value, label in SalesRecord.Channel.choices}}.get(key, key)


def withheld_text(result: estimates.Result) -> str:
    """Why a computed estimate is not shown: the checks it failed, in words."""
    texts = []
    if "pretrend" in result.cautions and result.pretrend_p is not None:
        texts.append(_("Before the event this brand already moved away from the comparison brands by %(slope)s%% "
                       "a month (linear-trend test p = %(p)s).")
                     % {"slope": f"{result.pretrend_slope_pct:+.2f}", "p": f"{result.pretrend_p:.3f}"})
    if "placebo_effect" in result.cautions and result.placebo is not None:
        texts.append(_("The same method finds an 'effect' of %(pct)s%% a year before the event, when there was none.")
                     % {"pct": f"{result.placebo.effect.pct:.1f}"})
    return " ".join([*texts, str(_("So no difference is shown."))])


def sensitivity_text(result: estimates.Result | None) -> str:
    """How large a difference in trend would explain the whole estimate, beside the trend measured."""
    if result is None or result.estimate is None or result.estimate.erasing_trend_pct is None or not result.credible:
        return ""
    text = _("A difference in trend of %(erase)s%% a month between this brand and the comparison brands, before "
             "and after the event alike, would produce the whole difference by itself.") % {
        "erase": f"{abs(result.estimate.erasing_trend_pct):.2f}"}
    if result.pretrend_slope_pct is not None:
        text += " " + _("Before the event, this brand's own trend against them was %(slope)s%% a month.") % {
            "slope": f"{result.pretrend_slope_pct:+.2f}"}
    return text


def caution_texts(result: estimates.Result | None) -> list[str]:
    if result is None or result.estimate is None:
        return []
    out = []
    if "few_for_pretrend" in result.cautions:
        out.append(_("With only %(n)s comparison brands no pre-trend test is run: whether this brand already moved "
                     "differently before the event cannot be checked, so the difference may be a trend of its own.")
                   % {"n": result.estimate.comparison})
    smallest = 1 / (result.estimate.comparison + 1)
    if smallest > 0.05:
        out.append(_("With %(n)s comparison brands the smallest p-value possible is %(p)s: no difference can pass a "
                     "5%% test.") % {"n": result.estimate.comparison, "p": f"{smallest:.3f}"})
    return out


def _reasons_text(reasons: list[str]) -> str:
    texts = {
        "comparison": _("Fewer than %(n)s comparison brands with sales: no estimate can be made.")
        % {"n": estimates.MIN_COMPARISON},
        "pre_months": _("Fewer than %(n)s months of data before the event.") % {"n": estimates.MIN_PRE_MONTHS},
        "months": _("Fewer than %(n)s months of data for a single sponsor.") % {"n": estimates.MIN_MONTHS_SINGLE},
        "post_months": _("No data after the event yet."),
    }
    return " ".join(str(texts.get(r, r)) for r in reasons)


def _pct(value: float | None) -> float | str:
    """A number for a CSV cell (numbers stay numbers: a negative one is not taken for a formula)."""
    return "" if value is None else round(value, 1)


def _linkage_csv(report: selectors.Linkage, table: str) -> HttpResponse:
    if table == "estimates":
        rows = []
        for row in report.brands:
            for e in row.estimates:
                r, plc = e.result, e.result.placebo
                est = r.estimate if r.credible else None  # not credible: no effect, as on the page
                rows.append([
                    localized(row.brand, "name"), series_label(e.key), _pct(est.effect.pct if est else None),
                    _pct(est.effect.low_pct if est else None), _pct(est.effect.high_pct if est else None),
                    _pct(est.clustered.low_pct if est else None), _pct(est.clustered.high_pct if est else None),
                    est.brands if est else "", est.comparison if est else "", est.months if est else "",
                    "" if r.pretrend_p is None else round(r.pretrend_p, 3), _("yes") if r.credible else _("no"),
                    _pct(plc.effect.pct if plc else None), _pct(plc.effect.low_pct if plc else None),
                    _pct(plc.effect.high_pct if plc else None), est.rank if est else "",
                    round(est.p_value, 3) if est else "", _pct(est.erasing_trend_pct if est else None),
                    _pct(r.pretrend_slope_pct), _("yes") if row.brand.synthetic else _("no"),
                    " ".join(filter(None, [_reasons_text(r.reasons), withheld_text(r) if r.estimate and not r.credible
                                           else ""]))])
        return csv_response("linkage-estimates", [  # its own per-brand column
            _("Brand"), _("Series"), _("Effect %"), _("Lower 95% bound"), _("Upper 95% bound"),
            _("Clustered interval, low"), _("Clustered interval, high"), _("Brands"), _("Comparison brands"),
            _("Months"), _("Pre-trend p"), _("Comparison credible"), _("Placebo effect %"), _("Placebo low"),
            _("Placebo high"), _("Rank"), _("p-value"), _("Trend that would produce it (%/month)"),
            _("Own trend before (%/month)"), _("Synthetic data"), _("Note")], rows)
    if table == "eventstudy":
        return _csv("linkage-event-study", [
            _("Brand"), _("Months from the event"), _("Effect %"), _("Lower 95% bound"), _("Upper 95% bound")],
            [[localized(row.brand, "name"), k.relative_month, _pct(k.effect.pct), _pct(k.effect.low_pct),
              _pct(k.effect.high_pct)]
             for row in report.brands for e in row.estimates if e.key == "all" for k in e.result.event_study])
    if table == "measures":
        return _csv("linkage-month-by-month", [
            _("Brand"), _("Channel"), _("Month"), _("Months from the event"), _("Units"), _("Month on month %"),
            _("Year on year %"), _("Mentions"), _("Mentions, month on month %"), _("Mentions, year on year %")],
            [[localized(row.brand, "name"), series_label(row.measures.channel), m.month.strftime("%Y-%m"), m.relative,
              "" if m.value is None else m.value, _pct(m.mom), _pct(m.yoy), "" if m.heat is None else m.heat,
              _pct(m.heat_mom), _pct(m.heat_yoy)]
             for row in report.brands if row.measures for m in row.measures.rows])
    if table == "correlations":
        return _csv("linkage-correlations", [_("Brand"), _("Months later"), _("Correlation"), _("Months")],
                            [[localized(row.brand, "name"), lag, "" if r is None else round(r, 3), n]
                             for row in report.brands for lag, r, n in report.correlations.get(row.brand.pk, [])])
    return _csv("linkage", [
        _("Brand"), _("Tier"), _("Units before"), _("Units after"), _("Months before"), _("Months after"),
        _("Change %"), _("Baseline change %"), _("Difference (points)"), _("Participants"), _("Note"),
    ], [[localized(r.brand, "name"), r.tier, r.window.before, r.window.after, r.window.months_before,
         r.window.months_after, _pct(r.window.change), _pct(r.baseline.change), _pct(r.difference),
         report.participants, _thin_text(r.thin)] for r in report.brands])


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
                                                          "rows": selectors.sales_rows()})


@login_required
def heat_upload(request: HttpRequest) -> HttpResponse:
    """Topic heat: mentions of each brand per month and platform (the source report's "topic heat")."""
    if not selectors.is_analyst(request.user):
        raise Http404
    form = HeatImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = topic_heat_import(data=upload.read(MAX_HEAT_BYTES + 1))
        errors = report.errors
        if not errors:
            messages.success(request, _("%(count)s topic heat rows saved.") % {"count": report.applied})
            return redirect("insights:linkage")
    return render(request, "industry/heat_upload.html", {"form": form, "errors": errors,
                                                         "rows": selectors.heat_rows()})


@login_required
def sales_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import's progress; the page reloads itself until the import has finished."""
    if not selectors.is_analyst(request.user):
        raise Http404
    job = selectors.sales_import_get(pk)
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
        "event": event, "form": SponsorshipForm(), "sponsorships": selectors.sponsorships_of(event),
        "brands": selectors.brands_by_name(), "tiers": Sponsorship.Tier.choices,
    })
