"""Reads for the insights pages and API: who may see what, summaries, the linkage report.

No personal data leaves here: everything is read from the statistics tables and sales figures.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import HomeArea, User
from core import groups
from events.models import Event, Registration
from industry import disclosure, estimates, stats
from industry.labels import job_label
from industry.models import Brand, EventStat, MonthlyStat, SalesRecord, Sponsorship, StatRun, TopicHeat

SUPPRESS_BELOW = disclosure.THRESHOLD  # public cells with fewer riders are hidden
PUBLIC_CACHE_KEY = "industry:public-summary"
XINGTAI_AREAS = frozenset(value for value in HomeArea.values if value != HomeArea.OTHER)  # as industry.stats
MIN_MONTHS = 3  # fewer months of sales on either side: too thin to say
MIN_PARTICIPANTS = 30  # fewer participants: too thin to say
MIN_CORRELATION_MONTHS = 6


# --- access -------------------------------------------------------------------------------------

def is_analyst(user: User | None) -> bool:
    return groups.in_group(user, groups.ANALYSTS)


def brands_of(user: User | None) -> QuerySet[Brand]:
    if user is None or not user.is_authenticated:
        return Brand.objects.none()
    return Brand.objects.filter(users=user)


def visible_brands(user: User | None) -> QuerySet[Brand]:
    """Whose sales this user may see: all for analysts, their own brand's for brand staff."""
    return Brand.objects.all() if is_analyst(user) else brands_of(user)


def may_see_insights(user: User | None) -> bool:
    return is_analyst(user) or brands_of(user).exists()


# --- summaries ----------------------------------------------------------------------------------

def last_computed() -> list[tuple[str, datetime.datetime]]:
    """(what, when) each statistics job last finished, in words (not the sweep's request markers)."""
    return [(job_label(job), at) for job, at in StatRun.objects.filter(requested_at__isnull=True)
            .order_by("job").values_list("job", "finished_at") if at is not None]


def monthly() -> list[MonthlyStat]:
    return list(MonthlyStat.objects.order_by("month"))


def suppress(value: int) -> int | None:
    """Public tables hide any count of riders under SUPPRESS_BELOW (None, shown as suppressed_label())."""
    return value if value >= SUPPRESS_BELOW else None


def dimension_totals(*, dimension: str, event_ids: list[int] | None = None) -> list[tuple[str, int]]:
    """Confirmed riders per bucket of one dimension, over the given events (all when None)."""
    qs = EventStat.objects.filter(dimension=dimension)
    if event_ids is not None:
        qs = qs.filter(event_id__in=event_ids)
    rows = qs.values("bucket").annotate(n=Sum("confirmed")).order_by("-n", "bucket")
    return [(row["bucket"], row["n"]) for row in rows]


def event_rows(*, event: Event) -> list[EventStat]:
    return list(EventStat.objects.filter(event=event).select_related("category").order_by(
        "category__position", "dimension", "bucket"))


def suppressed_label() -> str:
    """How a small hidden count reads in tables and CSV: "<5"."""
    return f"<{SUPPRESS_BELOW}"


def protecting_label() -> str:
    """How a count hidden only to protect another reads: never "<5", which would be false."""
    return str(_("hidden"))


def count_shown(value: int | None) -> str:
    """A published count as it reads on the public page and in its CSV."""
    if value is None:
        return suppressed_label()
    if value == PROTECTING:
        return protecting_label()
    return str(value)


def synthetic_data_present() -> bool:
    """Whether made-up demo brands are in the data: the pages then say the figures are synthetic."""
    return Brand.objects.filter(synthetic=True).exists()


@dataclass
class DistrictTable:
    """Participants (confirmed entries) by county or district and event kind, with the totals;
    None where hidden (`secondary`: hidden only to protect another, as disclosure.JointProtected)."""

    districts: list[str]
    kinds: list[str]
    published: disclosure.Protected
    cells: list[list[int]] = field(default_factory=list)
    secondary: set = field(default_factory=set)


def district_participation(*, protected: bool = True) -> DistrictTable:
    """Every Xingtai county and district (and riders from outside, and not given) by event kind:
    races, sportives, club rides, training rides and anytime challenges. Protected alone unless
    `protected` is False (the public page protects it with the other tables: public_tables)."""
    counts: dict[tuple[str, str], int] = {}
    for row in (EventStat.objects.filter(dimension="district").values("bucket", "event__kind")
                .annotate(n=Sum("confirmed"))):
        counts[(row["bucket"], row["event__kind"])] = row["n"]
    kinds = [k for k in Event.Kind.values if any(key[1] == k for key in counts)]
    districts = [d for d in [*HomeArea.values, "unknown"] if any(key[0] == d for key in counts)]
    cells = [[counts.get((d, k), 0) for k in kinds] for d in districts]
    if not cells or not kinds:
        return DistrictTable([], [], disclosure.Protected([], [], [], None))
    if not protected:
        return DistrictTable(districts, kinds, disclosure.Protected([], [], [], None), cells)
    return DistrictTable(districts, kinds, disclosure.protect(cells), cells)


PROTECTING = -1  # a published count hidden only so that another cannot be worked out: not a small one


def _lines() -> dict[str, list[tuple[str, int]]]:
    months = monthly()
    return {
        "participants": [(str(m.month), m.participants) for m in months],
        "first_time": [(str(m.month), m.first_time_riders) for m in months],
        **{d: dimension_totals(dimension=d) for d in ("locality", "gender", "age_band", "brand_origin")},
    }


def public_tables() -> tuple[dict[str, list[tuple[str, int]]], DistrictTable, disclosure.Joint]:
    """Every table of the public page as counts, and the links an attacker would use between them:
    the breakdowns and the months all add up to the same confirmed entries, a month's first-time
    riders are at most its participants, and the locality list is made of the county table's rows
    ("local" the sum of Xingtai's counties)."""
    lines = _lines()
    district = district_participation(protected=False)
    joint = disclosure.Joint()
    parts = {name: joint.add(name, [[n for _bucket, n in rows]], with_columns=False)
             for name, rows in lines.items() if rows}
    table = None
    if district.cells:
        table = joint.add("district", district.cells, with_columns=True)
    grand = parts["participants"].grand() if "participants" in parts else (table.grand() if table else None)
    for name, part in parts.items():
        if name == "first_time":
            continue
        if grand is not None and part.grand() != grand:
            joint.equal(part.grand(), grand)
    if table is not None and grand is not None and table.grand() != grand:
        joint.equal(table.grand(), grand)
    if "first_time" in parts and "participants" in parts:
        for i in range(len(lines["first_time"])):
            joint.at_most(parts["first_time"].cell(0, i), parts["participants"].cell(0, i))
        joint.at_most(parts["first_time"].grand(), parts["participants"].grand())
    _results_bounds(joint, parts, lines)
    if "locality" in parts and table is not None:
        at = {bucket: i for i, (bucket, _n) in enumerate(lines["locality"])}
        rows = {d: i for i, d in enumerate(district.districts)}
        groups: dict[str, list[str]] = {"local": [d for d in district.districts if d in XINGTAI_AREAS],
                                        "outside": [str(HomeArea.OTHER)], "unknown": ["unknown"]}
        for bucket, members in groups.items():
            inside = [table.row_total(rows[d]) for d in members if d in rows]
            if bucket in at and inside:
                joint.equal(parts["locality"].cell(0, at[bucket]), inside)
    return lines, district, joint


def _results_bounds(joint: disclosure.Joint, parts: dict, lines: dict) -> None:
    """Results pages list riders by name with their result: anyone can count, for each month, the
    riders with a result (at most its participants) and, for each gender, the finishers ranked in it
    (at most that gender's riders). Those counts go into the programme as public lower bounds."""
    base = Registration.objects.filter(status=Registration.Status.CONFIRMED).exclude(result="")
    counts = {
        "participants": lambda: {_month_key(row["k"]): row["n"] for row in base.annotate(
            k=TruncMonth("event__starts_at")).values("k").annotate(n=Count("id")).order_by()},
        "gender": lambda: {str(row["k"]): row["n"] for row in base.annotate(k=F("rider__gender")).values("k")
                           .annotate(n=Count("id")).order_by()},
    }
    for name, counted_by in counts.items():
        if name not in parts:
            continue
        by_bucket = counted_by()
        counted = [by_bucket.get(bucket, 0) for bucket, _n in lines[name]]
        if any(counted):
            seen = joint.add(f"results_by_{name}", [counted], with_columns=False, public=True)
            for i in range(len(counted)):
                joint.at_most(seen.cell(0, i), parts[name].cell(0, i))


def _month_key(value) -> str:
    return str(stats.as_date(value))


def public_summary() -> dict:
    """The anonymised public page: monthly participation and shares, every small count hidden and,
    where a hidden count could be worked out from everything published together (industry/disclosure.py,
    Joint), others with it; those are PROTECTING, shown as hidden, not as small."""
    computed = cache.get(PUBLIC_CACHE_KEY)
    stamp = [str(MonthlyStat.objects.aggregate(n=Count("id"), at=Max("computed_at"))),
             str(EventStat.objects.aggregate(n=Count("id"), at=Max("computed_at"))), PUBLIC_VERSION]
    if computed and computed.get("stamp") == stamp:
        return computed["data"]
    lines, district, joint = public_tables()
    published = disclosure.protect_jointly(joint)

    def line(name: str) -> list[tuple[str, int | None]]:
        if name not in published.tables:
            return []
        cells = published.tables[name].cells[0]
        secondary = {j for kind, _i, j in published.secondary[name] if kind == "cell"}
        return [(bucket, PROTECTING if j in secondary else cells[j]) for j, (bucket, _n) in enumerate(lines[name])]

    months = monthly()
    participants, first_time = line("participants"), line("first_time")
    district.published = published.tables.get("district", district.published)
    district.secondary = published.secondary.get("district", set())
    data = {
        "monthly": [{"month": m.month, "participants": p[1], "events": m.events, "first_time_riders": f[1]}
                    for m, p, f in zip(months, participants, first_time)],
        **{name: line(name) for name in ("locality", "gender", "age_band", "brand_origin")},
        "district": district,
    }
    cache.set(PUBLIC_CACHE_KEY, {"stamp": stamp, "data": data}, 3600)
    return data


PUBLIC_VERSION = "joint-2"  # raise when the protection changes: cached pages are made again


def sales_by_month(*, brands: QuerySet[Brand] | list[Brand]) -> dict[int, dict[datetime.date, int]]:
    """Units per brand and month, all channels together."""
    out: dict[int, dict[datetime.date, int]] = {}
    rows = SalesRecord.objects.filter(brand__in=brands).values("brand_id", "month").annotate(units=Sum("units"))
    for row in rows:
        out.setdefault(row["brand_id"], {})[row["month"]] = row["units"]
    return out


# --- linkage ------------------------------------------------------------------------------------

def month_add(month: datetime.date, shift: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + shift
    return datetime.date(index // 12, index % 12 + 1, 1)


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


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


def sponsored_events() -> QuerySet[Event]:
    return Event.objects.filter(sponsorships__isnull=False).distinct().order_by("-starts_at")


def brand_shares() -> list[tuple[Brand | None, int]]:
    """Confirmed riders per brand ridden, over all events (aggregates only)."""
    totals = dict(dimension_totals(dimension="brand"))
    brands = {b.slug: b for b in Brand.objects.filter(slug__in=totals)}
    return [(brands.get(slug), n) for slug, n in sorted(totals.items(), key=lambda kv: -kv[1])]


def events_filter(slugs: list[str]) -> list[Event]:
    return list(Event.objects.filter(slug__in=slugs).order_by("starts_at"))
