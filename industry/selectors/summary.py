"""The statistics tables read for the insights pages and the public page: monthly and per-event
figures, totals by dimension, the district table, and the public summary with every small count
hidden and every count that could be worked out from the others protected (industry/disclosure.py).
No personal data leaves here: everything is read from the statistics tables."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import HomeArea
from events.models import Event, Registration
from industry import disclosure, stats
from industry.labels import job_label
from industry.models import Brand, EventStat, MonthlyStat, SalesImport, SalesRecord, Sponsorship, StatRun, TopicHeat

SUPPRESS_BELOW = disclosure.THRESHOLD  # public cells with fewer riders are hidden


PUBLIC_CACHE_KEY = "industry:public-summary"


XINGTAI_AREAS = frozenset(value for value in HomeArea.values if value != HomeArea.OTHER)  # as industry.stats


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


def sponsored_events() -> QuerySet[Event]:
    return Event.objects.filter(sponsorships__isnull=False).distinct().order_by("-starts_at")


def brand_shares() -> list[tuple[Brand | None, int]]:
    """Confirmed riders per brand ridden, over all events (aggregates only)."""
    totals = dict(dimension_totals(dimension="brand"))
    brands = {b.slug: b for b in Brand.objects.filter(slug__in=totals)}
    return [(brands.get(slug), n) for slug, n in sorted(totals.items(), key=lambda kv: -kv[1])]


def events_filter(slugs: list[str]) -> list[Event]:
    return list(Event.objects.filter(slug__in=slugs).order_by("starts_at"))


def completed_events(*, limit: int = 50) -> list[Event]:
    """The latest completed events (their statistics pages)."""
    return list(Event.objects.filter(status=Event.Status.COMPLETED).order_by("-starts_at")[:limit])


def event_by_slug(slug: str) -> Event:
    """An event's statistics page: any event by its slug; 404 otherwise."""
    event = Event.objects.filter(slug=slug).first()
    if event is None:
        raise Http404
    return event


def latest_sponsored_event() -> Event | None:
    return sponsored_events().first()


def sales_rows() -> int:
    """How many sales rows are stored (the sales upload page says so)."""
    return SalesRecord.objects.count()


def heat_rows() -> int:
    """How many topic heat rows are stored (the heat upload page says so)."""
    return TopicHeat.objects.count()


def sales_import_get(pk: int) -> SalesImport:
    job = SalesImport.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def sponsorships_of(event: Event) -> QuerySet[Sponsorship]:
    return event.sponsorships.select_related("brand")


def brands_by_name() -> QuerySet[Brand]:
    return Brand.objects.order_by("name")
