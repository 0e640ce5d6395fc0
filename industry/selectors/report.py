"""The linkage report: sponsors' sales before and after their events beside participation, the
difference-in-differences analysis per brand and series (industry/estimates.py; cached by a
digest of its inputs, computed by a worker past a request's share), lagged correlations."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from core.times import month_add
from events.models import Event
from industry import estimates
from industry.estimates import pearson
from industry.models import Brand, EventStat, SalesRecord, Sponsorship, TopicHeat
from industry.selectors.access import visible_brands
from industry.selectors.summary import monthly

MIN_MONTHS = 3  # fewer months of sales on either side: too thin to say


MIN_PARTICIPANTS = 30  # fewer participants: too thin to say


MIN_CORRELATION_MONTHS = 6


def sales_by_month(*, brands: QuerySet[Brand] | list[Brand]) -> dict[int, dict[datetime.date, int]]:
    """Units per brand and month, all channels together."""
    out: dict[int, dict[datetime.date, int]] = {}
    rows = SalesRecord.objects.filter(brand__in=brands).values("brand_id", "month").annotate(units=Sum("units"))
    for row in rows:
        out.setdefault(row["brand_id"], {})[row["month"]] = row["units"]
    return out


@dataclass
class Window:
    """Sales of one brand (or a group) in the N months before and after the event month."""

    before: int = 0
    after: int = 0
    months_before: int = 0
    months_after: int = 0

    @property
    def change(self) -> float | None:
        return (self.after - self.before) / self.before * 100 if self.before else None


@dataclass
class SeriesEstimate:
    """The difference-in-differences analysis of one series (all channels, a channel, topic heat)."""

    key: str  # "all", a SalesRecord.Channel value, or "heat"
    result: estimates.Result


@dataclass
class MonthRow:
    month: datetime.date
    relative: int  # months from the event month
    value: int | None
    mom: float | None  # 环比: on the month before, %
    yoy: float | None  # 同比: on the same month a year before, %
    heat: int | None = None
    heat_mom: float | None = None
    heat_yoy: float | None = None


@dataclass
class SeedMeasures:
    """The source report's own measures for one brand and channel: month on month, year on year,
    and the N months after the event against the N months before and against the same months a
    year earlier."""

    channel: str
    rows: list[MonthRow]
    after: int
    before: int
    year_before: int
    after_vs_before: float | None
    after_vs_year_before: float | None
    heat_after_vs_before: float | None = None
    heat_after_vs_year_before: float | None = None


@dataclass
class BrandLinkage:
    brand: Brand
    tier: str
    window: Window
    baseline: Window
    baseline_brands: int
    thin: list[str] = field(default_factory=list)  # reasons the figures are withheld
    estimates: list[SeriesEstimate] = field(default_factory=list)
    measures: SeedMeasures | None = None

    @property
    def difference(self) -> float | None:
        if self.thin or self.window.change is None or self.baseline.change is None:
            return None
        return self.window.change - self.baseline.change


@dataclass
class Linkage:
    events: list[Event]
    months: int
    event_month: datetime.date
    participants: int
    brands: list[BrandLinkage]
    correlations: dict[int, list[tuple[int, float | None, int]]]  # brand id -> (lag, r, n)
    series: list[tuple[datetime.date, int, dict[int, int]]]  # month, participants, units per brand


def _window(by_month: dict[datetime.date, int], event_month: datetime.date, months: int) -> Window:
    w = Window()
    for k in range(1, months + 1):
        before, after = month_add(event_month, -k), month_add(event_month, k)
        if before in by_month:
            w.before += by_month[before]
            w.months_before += 1
        if after in by_month:
            w.after += by_month[after]
            w.months_after += 1
    return w


def _change(new: float | None, old: float | None) -> float | None:
    return (new - old) / old * 100 if new is not None and old else None


def panels(brand_ids: list[int]) -> dict[str, estimates.Panel]:
    """Units by brand and month, all channels and each channel; topic heat (mentions) when any."""
    out: dict[str, dict[int, dict[datetime.date, float]]] = {"all": {}, **{c: {} for c in SalesRecord.Channel.values}}
    for row in SalesRecord.objects.filter(brand_id__in=brand_ids).values("brand_id", "month", "channel", "units"):
        for key in ("all", row["channel"]):
            series = out[key].setdefault(row["brand_id"], {})
            series[row["month"]] = series.get(row["month"], 0) + row["units"]
    heat: dict[int, dict[datetime.date, float]] = {}
    for heat_row in TopicHeat.objects.filter(brand_id__in=brand_ids).values("brand_id", "month").annotate(
            n=Sum("mentions")):
        heat.setdefault(heat_row["brand_id"], {})[heat_row["month"]] = heat_row["n"]
    result = {key: estimates.Panel(values) for key, values in out.items()}
    if heat:
        result["heat"] = estimates.Panel(heat)
    return result


def seed_measures(*, panel: dict[str, estimates.Panel], brand_id: int, channel: str, event_month: datetime.date,
                  months: int) -> SeedMeasures:
    series = panel[channel].values.get(brand_id, {})
    heat = panel["heat"].values.get(brand_id, {}) if "heat" in panel else {}
    rows = []
    for k in range(-months, months + 1):
        month = month_add(event_month, k)
        value, h = series.get(month), heat.get(month)
        rows.append(MonthRow(
            month=month, relative=k, value=None if value is None else int(value),
            mom=_change(value, series.get(month_add(month, -1))), yoy=_change(value, series.get(month_add(month, -12))),
            heat=None if h is None else int(h), heat_mom=_change(h, heat.get(month_add(month, -1))),
            heat_yoy=_change(h, heat.get(month_add(month, -12)))))

    def total(source: dict, first: int, last: int) -> int:
        return int(sum(source.get(month_add(event_month, k), 0) for k in range(first, last + 1)))

    after, before, year_before = total(series, 1, months), total(series, -months, -1), total(series, -11, months - 12)
    heat_after = total(heat, 1, months) if heat else None
    return SeedMeasures(
        channel=channel, rows=rows, after=after, before=before, year_before=year_before,
        after_vs_before=_change(after, before), after_vs_year_before=_change(after, year_before),
        heat_after_vs_before=_change(heat_after, total(heat, -months, -1)) if heat else None,
        heat_after_vs_year_before=_change(heat_after, total(heat, -11, months - 12)) if heat else None)


def brand_months(*, brand: Brand, channel: str = "all") -> list[MonthRow]:
    """Every month of one brand's sales (one channel or all) with 环比 and 同比, and its topic heat."""
    panel = panels([brand.pk])
    series = panel[channel].values.get(brand.pk, {})
    heat = panel["heat"].values.get(brand.pk, {}) if "heat" in panel else {}
    rows = []
    for month in sorted(series):
        value, h = series[month], heat.get(month)
        rows.append(MonthRow(
            month=month, relative=0, value=int(value), mom=_change(value, series.get(month_add(month, -1))),
            yoy=_change(value, series.get(month_add(month, -12))), heat=None if h is None else int(h),
            heat_mom=_change(h, heat.get(month_add(month, -1))), heat_yoy=_change(h, heat.get(month_add(month, -12)))))
    return rows


def linkage(*, events: list[Event], months: int = 6, viewer: User | None = None, channel: str = "all",
            only_brand: Brand | None = None, budget: int | None = None) -> Linkage:
    """Sponsors' sales N months before and after the event month (the month itself is left out),
    beside local brands that did not sponsor (the baseline: a difference in differences), and the
    month-by-month participation beside sales with correlations at lags 0-3. Never a claim of cause.
    With `budget`, at most that many analyses are computed here (the rest are read from the cache)
    and ReportNotReady is raised past it: a request asks a worker instead."""
    event_month = month_add(timezone.localtime(min(e.starts_at for e in events)).date().replace(day=1), 0)
    participants = sum(EventStat.objects.filter(event__in=events, dimension="total").values_list(
        "confirmed", flat=True))
    allowed = visible_brands(viewer)
    sponsorships = (Sponsorship.objects.filter(event__in=events, brand__in=allowed).select_related("brand")
                    .order_by("brand__name"))
    # a brand that sponsored any event in the months compared (the placebo year before included) is
    # treated too: it cannot stand for "no sponsorship" in the comparison pool
    first = _month_start(month_add(event_month, -(months + estimates.PLACEBO_SHIFT)))
    last = _month_start(month_add(event_month, months + 1))
    sponsor_ids = set(Sponsorship.objects.filter(Q(event__in=events) | Q(event__starts_at__gte=first,
                                                                         event__starts_at__lt=last))
                      .values_list("brand_id", flat=True))
    baseline_brands = list(Brand.objects.filter(is_local=True).exclude(pk__in=sponsor_ids))
    sales = sales_by_month(brands=[s.brand for s in sponsorships] + baseline_brands)
    baseline_by_month: dict[datetime.date, int] = {}
    for brand in baseline_brands:
        for month, units in sales.get(brand.pk, {}).items():
            baseline_by_month[month] = baseline_by_month.get(month, 0) + units
    baseline = _window(baseline_by_month, event_month, months)
    rows = []
    seen = set()
    if only_brand is not None:
        sponsorships = sponsorships.filter(brand=only_brand)
    by_key = panels([s.brand_id for s in sponsorships] + [b.pk for b in baseline_brands])
    allowance = None if budget is None else [budget]
    comparison = [b.pk for b in baseline_brands]
    for sponsorship in sponsorships:
        if sponsorship.brand_id in seen:
            continue
        seen.add(sponsorship.brand_id)
        window = _window(sales.get(sponsorship.brand_id, {}), event_month, months)
        thin = []
        if window.months_before < MIN_MONTHS or window.months_after < MIN_MONTHS:
            thin.append("months")
        if participants < MIN_PARTICIPANTS:
            thin.append("participants")
        if not baseline_brands or baseline.months_before < MIN_MONTHS or baseline.months_after < MIN_MONTHS:
            thin.append("baseline")
        row = BrandLinkage(sponsorship.brand, sponsorship.get_tier_display(), window, baseline,
                           len(baseline_brands), thin)
        for key, panel in by_key.items():
            row.estimates.append(SeriesEstimate(key, analysis(panel, sponsorship.brand_id, comparison, event_month,
                                                              event_study=key == "all", budget=allowance)))
        row.measures = seed_measures(panel=by_key, brand_id=sponsorship.brand_id, channel=channel,
                                     event_month=event_month, months=months)
        rows.append(row)
    participation = {m.month: m.participants for m in monthly()}
    all_months = sorted(set(participation) | {m for b in rows for m in sales.get(b.brand.pk, {})})
    series = [(m, participation.get(m, 0), {b.brand.pk: sales.get(b.brand.pk, {}).get(m, 0) for b in rows})
              for m in all_months]
    correlations = {}
    for row in rows:
        by_month = sales.get(row.brand.pk, {})
        lags = []
        for lag in range(4):
            pairs = [(participation.get(m, 0), by_month[month_add(m, lag)]) for m in all_months
                     if month_add(m, lag) in by_month]
            r = pearson([p for p, _ in pairs], [s for _, s in pairs]) if len(pairs) >= MIN_CORRELATION_MONTHS else None
            lags.append((lag, r, len(pairs)))
        correlations[row.brand.pk] = lags
    return Linkage(events, months, event_month, participants, rows, correlations, series)


ANALYSIS_CACHE_SECONDS = 7 * 24 * 3600


ANALYSES_IN_A_REQUEST = 12  # about 1.5 s of work: more goes to a worker (industry.prepare_linkage)


class ReportNotReady(Exception):
    """The report needs more analyses than a request may compute: a worker computes them."""


def analysis(panel: estimates.Panel, treated: int, comparison: list[int], event_month: datetime.date, *,
             event_study: bool, budget: list[int] | None = None) -> estimates.Result:
    """estimates.analyse, computed once for the same inputs and reused by the page, every CSV table
    and the API. The key is a digest of the figures it reads (the sponsor's and the comparison
    brands' series, the event month, the options), so new sales, heat or a changed comparison pool
    make a new key: nothing has to be invalidated, and nothing stale can be served."""
    brands = [treated, *sorted(comparison)]
    figures = [(b, sorted((m.isoformat(), v) for m, v in panel.values.get(b, {}).items())) for b in brands]
    digest = hashlib.sha256(repr((figures, event_month.isoformat(), event_study, ANALYSIS_VERSION)).encode())
    key = f"industry:analysis:{digest.hexdigest()}"
    cached = cache.get(key)
    if isinstance(cached, estimates.Result):
        return cached
    if budget is not None:  # a request's share of the work: past it, a worker does the rest
        if budget[0] <= 0:
            raise ReportNotReady
        budget[0] -= 1
    result = estimates.analyse(panel, treated, comparison, event_month, event_study=event_study)
    cache.set(key, result, ANALYSIS_CACHE_SECONDS)
    return result


ANALYSIS_VERSION = 2  # raise when estimates.analyse changes what it returns for the same figures


def _month_start(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(month.year, month.month, 1))
