"""Participation statistics, computed in the database and written with an idempotent upsert.

Each job groups registrations with aggregate queries (one GROUP BY per dimension, over all
events at once or over one event) and writes the result inside one transaction: it upserts
every bucket it computed and deletes the buckets that no longer exist. Running a job twice, or
rerunning it after a worker died halfway (the transaction rolled back), leaves the same tables.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, FilteredRelation, IntegerField, Min, Q, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear, TruncDate, TruncMonth
from django.utils import timezone

from accounts.models import HomeArea
from core.ages import AGE_BANDS
from events.models import Registration
from industry.models import EventStat, MonthlyStat, StatRun

XINGTAI = [value for value in HomeArea.values if value != HomeArea.OTHER]
COUNTS = {
    "registered": Count("id"),
    "confirmed": Count("id", filter=Q(status=Registration.Status.CONFIRMED)),
    "waitlisted": Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
    "cancelled": Count("id", filter=Q(status=Registration.Status.CANCELLED)),
    "checked_in": Count("id", filter=Q(status=Registration.Status.CONFIRMED, checked_in_at__isnull=False)),
    "finished": Count("id", filter=Q(status=Registration.Status.CONFIRMED, result=Registration.Result.FINISHED)),
}
# Test-only hook: called between computing and writing; the rerun test makes it raise to stand
# for a worker killed halfway through a job.
BEFORE_WRITE = None


def _age() -> Coalesce:
    """Whole years on the event day (Asia/Shanghai), computed by the database."""
    birthday_later = Q(rider__date_of_birth__month__gt=ExtractMonth("event__starts_at")) | Q(
        rider__date_of_birth__month=ExtractMonth("event__starts_at"),
        rider__date_of_birth__day__gt=ExtractDay("event__starts_at"))
    years = ExtractYear("event__starts_at") - ExtractYear("rider__date_of_birth")
    computed = years - Case(When(birthday_later, then=Value(1)), default=Value(0), output_field=IntegerField())
    return Coalesce(F("rider_age"), computed, output_field=IntegerField())  # a deleted account keeps only its age


def _age_band() -> Case:
    return Case(*[When(age__gte=low, age__lte=high, then=Value(name)) for low, high, name in AGE_BANDS],
                default=Value("unknown"), output_field=CharField())


def dimensions() -> dict[str, object]:
    """Each dimension: the expression that names a registration's bucket."""
    return {
        "total": Value("all", output_field=CharField()),
        "gender": F("rider__gender"),
        "age_band": _age_band(),
        "locality": Case(When(rider__home_area__in=XINGTAI, then=Value("local")),
                         When(rider__home_area=HomeArea.OTHER, then=Value("outside")),
                         default=Value("unknown"), output_field=CharField()),
        # every county and district of Xingtai ("other": from outside), for per-district participation
        "district": Case(When(rider__home_area="", then=Value("unknown")), default=F("rider__home_area"),
                         output_field=CharField()),
        "club": Coalesce(F("active_club__club__slug"), Value("none"), output_field=CharField()),
        "brand": Coalesce(F("rider__bike_brand__slug"), Value("unknown"), output_field=CharField()),
        "brand_origin": Case(When(rider__bike_brand__is_local=True, then=Value("local")),
                             When(rider__bike_brand__is_local=False, then=Value("other")),
                             default=Value("unknown"), output_field=CharField()),
        "day": Cast(TruncDate("created_at"), output_field=CharField()),
    }


def _grouped(event_ids: list[int] | None) -> list[dict]:
    """One aggregate query per dimension; returns rows ready for EventStat."""
    base = Registration.objects.all()
    if event_ids is not None:
        base = base.filter(event_id__in=event_ids)
    rows = []
    for name, bucket in dimensions().items():
        qs = base
        if name == "club":  # a rider counts for every club they are an active member of
            qs = qs.annotate(active_club=FilteredRelation(
                "rider__memberships", condition=Q(rider__memberships__state="active")))
        if name == "age_band":
            qs = qs.annotate(age=_age())
        qs = qs.annotate(bucket=bucket).values("event_id", "category_id", "bucket").annotate(**COUNTS).order_by()
        rows += [{**row, "dimension": name, "bucket": str(row["bucket"])} for row in qs]
    return rows


def _write(rows: list[dict], event_ids: list[int] | None, now: datetime.datetime) -> None:
    stats = [EventStat(event_id=r["event_id"], category_id=r["category_id"], dimension=r["dimension"],
                       bucket=r["bucket"][:80], computed_at=now, **{k: r[k] for k in COUNTS}) for r in rows]
    EventStat.objects.bulk_create(stats, batch_size=2000, update_conflicts=True,
                                  unique_fields=["category", "dimension", "bucket"],
                                  update_fields=[*COUNTS, "computed_at"])
    stale = EventStat.objects.exclude(computed_at=now)
    if event_ids is not None:
        stale = stale.filter(event_id__in=event_ids)
    stale.delete()


def event_stats_compute(*, event_ids: list[int] | None = None) -> int:
    """Recompute the event statistics (all events, or these). Returns the number of rows."""
    now = timezone.now()
    _done_requests([f"event:{pk}" for pk in event_ids] if event_ids is not None else None, now)
    rows = _grouped(event_ids)
    with transaction.atomic():
        if BEFORE_WRITE is not None:
            BEFORE_WRITE()
        _write(rows, event_ids, now)
        _finished("event_stats" if event_ids is None else "event_stats:partial", len(rows), now)
    return len(rows)


def _first_time_riders() -> dict[datetime.date, int]:
    """Riders by the month of their first confirmed event: GROUP BY over a GROUP BY, in SQL."""
    firsts = (Registration.objects.filter(status=Registration.Status.CONFIRMED).values("rider_id")
              .annotate(first_month=Min(TruncMonth("event__starts_at"))).values("first_month").order_by())
    inner, params = firsts.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT first_month, COUNT(*) FROM ({inner}) AS firsts GROUP BY first_month", params)  # noqa: S608 - SQL made by Django
        rows = cursor.fetchall()
    return {as_date(month): count for month, count in rows}


def as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def monthly_stats_compute() -> int:
    now = timezone.now()
    months = (Registration.objects.filter(status=Registration.Status.CONFIRMED)
              .annotate(month=TruncMonth("event__starts_at")).values("month")
              .annotate(participants=Count("id"), events=Count("event_id", distinct=True),
                        unique_riders=Count("rider_id", distinct=True)).order_by())
    firsts = _first_time_riders()
    rows = [MonthlyStat(month=as_date(m["month"]), participants=m["participants"], events=m["events"],
                        unique_riders=m["unique_riders"], first_time_riders=firsts.get(as_date(m["month"]), 0),
                        computed_at=now) for m in months]
    with transaction.atomic():
        if BEFORE_WRITE is not None:
            BEFORE_WRITE()
        MonthlyStat.objects.bulk_create(rows, update_conflicts=True, unique_fields=["month"],
                                        update_fields=["participants", "events", "unique_riders",
                                                       "first_time_riders", "computed_at"])
        MonthlyStat.objects.exclude(computed_at=now).delete()
        _finished("monthly_stats", len(rows), now)
    return len(rows)


def stats_compute_all() -> dict[str, int]:
    """Every statistic; answers every request made before it started."""
    return {"event_stats": event_stats_compute(), "monthly_stats": monthly_stats_compute()}


def _finished(job: str, rows: int, now: datetime.datetime) -> None:
    StatRun.objects.update_or_create(job=job, defaults={"finished_at": now, "rows": rows})


SWEEP_AFTER = datetime.timedelta(minutes=10)  # a statistics task takes seconds; ten minutes means lost


_DEFERRED = contextvars.ContextVar("industry_stats_deferred", default=False)


@contextlib.contextmanager
def stats_deferred() -> Iterator[None]:
    """Statistics asked for inside are noted, not computed: for a loader that completes many events
    at once (the demo's 18 past events) and then computes them all in one stats_compute_all() (one
    GROUP BY a dimension over all events instead of one an event: 2.4 of the demo's 5 s; issue 26),
    which answers the requests noted."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def stats_are_deferred() -> bool:
    return _DEFERRED.get()


def stats_requested(*, event_id: int | None = None) -> None:
    """Note that statistics were asked for (before queueing the task): all of them, or one event's."""
    StatRun.objects.update_or_create(job=f"event:{event_id}" if event_id else "requested:all",
                                     defaults={"requested_at": timezone.now()})


def _done_requests(jobs: list[str] | None, started: datetime.datetime) -> None:
    """A run that started at `started` answers the requests made before it (all of them: None)."""
    done = StatRun.objects.filter(requested_at__lte=started)
    done = done.filter(job__in=jobs) if jobs is not None else done.filter(
        Q(job="requested:all") | Q(job__startswith="event:"))
    done.update(finished_at=started)


def stats_overdue(*, now: datetime.datetime | None = None) -> bool:
    """Whether statistics asked for more than SWEEP_AFTER ago have not been computed since."""
    now = now or timezone.now()
    return StatRun.objects.filter(requested_at__lt=now - SWEEP_AFTER).filter(
        Q(finished_at__isnull=True) | Q(finished_at__lt=F("requested_at"))).exists()
