"""Passings in: a decoder's file or a forwarder's batch, read by its format (timing/formats.py), placed
on the event's day in its time zone, matched to riders through the event's chip tags (or the bib
the system sent), stored once per device and passing key, then the riders' results recounted.

Nothing of a batch is stored when one of its lines cannot be read (the answer lists them). Chips no
rider holds and points no checkpoint names are stored all the same and listed, never dropped: a chip
imported later, or a checkpoint added, takes them up at the next recount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ServiceError
from core.times import zone_of
from events.models import ChipTag, Event, Registration
from events.services.chips import tag_normalize
from timing.errors import TimingCode
from timing.formats import Read, Refusal
from timing.models import Checkpoint, Passing
from timing.services.recount import results_recount, timing_of

MAX_BATCH = 300_000  # a whole race's file (245,484 reads at a 27,000-runner race)
CHUNK = 3_000  # rows a statement: 30,000 parameters (SQLite allows 32,766)
REASONS = {  # lazy: read in the language of the request that sent the lines
    "fields": gettext_lazy("the line does not have this format's fields"),
    "time": gettext_lazy("the time is not HH:MM:SS"),
    "date": gettext_lazy("the date cannot be read"),
    "code": gettext_lazy("no chip or bib"),
}


@dataclass
class PassingsReport:
    received: int = 0
    new: int = 0
    unknown_codes: list[str] = field(default_factory=list)
    unknown_points: list[str] = field(default_factory=list)
    last_number: int | None = None

    @property
    def duplicates(self) -> int:
        return self.received - self.new


def _moment(read: Read, day: dt.date, zone: dt.tzinfo, starts_at: dt.datetime) -> dt.datetime:
    moment = dt.datetime.combine(read.day or day, read.time, tzinfo=read.zone or zone)
    if read.day is None and moment < starts_at - dt.timedelta(hours=12):
        moment += dt.timedelta(days=1)  # past midnight on a long day
    return moment


class _Riders:
    """Chip tags and bibs of the event's confirmed riders, read once a batch."""

    def __init__(self, event: Event) -> None:
        self.chips = dict(ChipTag.objects.filter(event=event).values_list("tag", "registration_id"))
        self.bibs = dict(Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
                         .exclude(bib=None).values_list("bib", "pk"))

    def find(self, code: str) -> int | None:
        tag = tag_normalize(code)
        if tag in self.chips:
            return self.chips[tag]
        return self.bibs.get(int(code)) if code.isdigit() and len(code) < 10 else None


def points_of(event: Event) -> dict[str, str]:
    """Every name a passing may give a timing point (its code or a checkpoint's name, any case) ->
    the point's code."""
    names: dict[str, str] = {}
    for point, name in Checkpoint.objects.filter(event=event).values_list("point", "name"):
        names.setdefault(name.casefold(), point)
        names[point.casefold()] = point
    return names


def passings_ingest(*, event: Event, reads: Iterable[Read | Refusal], source: str, device: str = "",
                    point: str = "") -> PassingsReport:
    """Store a batch of reads (all of it, or nothing when a line is unreadable) and recount the
    results of the riders it names. `device` and `point` given by the caller win over the lines'."""
    items: list[Read] = []
    refusals: list[Refusal] = []
    for item in reads:
        if isinstance(item, Refusal):
            refusals.append(item)
        else:
            items.append(item)
        if len(items) > MAX_BATCH:
            raise ServiceError(_("At most %(n)s passings a batch.") % {"n": f"{MAX_BATCH:,}"}, TimingCode.TOO_MANY)
    if refusals:
        lines = [_("Line %(line)s: %(reason)s.") % {"line": r.line, "reason": REASONS.get(r.reason, r.reason)}
                 for r in refusals[:20]]
        if len(refusals) > 20:
            lines.append(_("… and %(n)s more lines.") % {"n": len(refusals) - 20})
        raise ServiceError({"passings": [_("Nothing was stored: correct these lines and send them again."),
                                         *lines]}, TimingCode.UNREADABLE)
    report = PassingsReport(received=len(items))
    if not items:
        return report
    nowhere = [r.line for r in items if not (point or r.point or r.device)]
    if nowhere:  # a decoder's file says nothing of its place: the sender names it
        known = sorted(set(Checkpoint.objects.filter(event=event).values_list("point", flat=True)))
        raise ServiceError({"point": [_("Lines %(lines)s do not say where they were read: give their timing point "
                                        "(%(points)s).") % {"lines": ", ".join(map(str, nowhere[:10])),
                                                            "points": ", ".join(known) or "—"}]},
                           TimingCode.UNREADABLE)
    timing = timing_of(event)
    zone, riders, names = zone_of(event), _Riders(event), points_of(event)
    day = timezone.localtime(event.starts_at, zone).date()
    now = timezone.now()
    rows: list[tuple] = []
    unknown_codes, unknown_points = set(), set()
    for read in items:
        said = point or read.point or read.device
        code = read.code.strip()
        registration_id = riders.find(code)
        if registration_id is None:
            unknown_codes.add(code)
        canonical = names.get(said.casefold())
        if canonical is None:
            unknown_points.add(said)
        rows.append((event.pk, (device or read.device or source)[:40], read.key[:120], read.number, source,
                     (canonical or said)[:40], code[:32], _moment(read, day, zone, event.starts_at), registration_id,
                     now))
    with transaction.atomic():
        riders_named: set[int] = set()
        for (registration_id,) in _insert_new(rows):
            report.new += 1
            if registration_id is not None:
                riders_named.add(registration_id)
        if report.new:
            if unknown_codes:  # the codes are new to this batch only; earlier unknown ones may match now
                passings_relink(event=event)
            results_recount(event=event, timing=timing, registration_ids=riders_named)
    report.unknown_codes, report.unknown_points = sorted(unknown_codes), sorted(unknown_points)
    if len(devices := {row[1] for row in rows}) == 1:
        report.last_number = resume_number(event=event, device=devices.pop())
    return report


_COLUMNS = ("event_id", "device", "key", "number", "source", "point", "code", "at", "registration_id", "received_at")


def _insert_new(rows: list[tuple]) -> list[tuple]:
    """INSERT the rows, skipping those already stored (same event, device and key): the new rows'
    riders come back. PostgreSQL takes them by COPY into a scratch table (bulk_create took 9.7 s of a
    250,000-read import, a 30,000-parameter INSERT 16 s in the driver's query conversion); SQLite by
    INSERT ... VALUES in chunks."""
    table = connection.ops.quote_name(Passing._meta.db_table)
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS passing_in ON COMMIT DELETE ROWS AS "  # noqa: S608
                           f"SELECT {columns} FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY passing_in ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM passing_in "  # noqa: S608
                           f"ON CONFLICT (event_id, device, key) DO NOTHING RETURNING registration_id")
            new = cursor.fetchall()
            cursor.execute("TRUNCATE passing_in")
            return new
        new = []
        one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        for start in range(0, len(rows), CHUNK):
            part = rows[start:start + CHUNK]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))} "  # noqa: S608
                           f"ON CONFLICT (event_id, device, key) DO NOTHING RETURNING registration_id",
                           [value for row in part for value in row])
            new += cursor.fetchall()
        return new


def passings_relink(*, event: Event) -> int:
    """Passings of codes no rider held when they came, matched again (a chip imported since, a bib
    given at pick-up), and their riders recounted. Returns how many were matched."""
    riders = _Riders(event)
    found: dict[int, list[int]] = {}
    for pk, code in Passing.objects.filter(event=event, registration=None, voided_at=None).values_list("pk", "code"):
        if (registration_id := riders.find(code)) is not None:
            found.setdefault(registration_id, []).append(pk)
    with transaction.atomic():
        for registration_id, pks in found.items():
            Passing.objects.filter(pk__in=pks).update(registration_id=registration_id)
        if found:
            results_recount(event=event, registration_ids=set(found))
    return sum(len(pks) for pks in found.values())


def resume_number(*, event: Event, device: str) -> int | None:
    """The highest passing number stored from a device: it sends again from the next one."""
    return Passing.objects.filter(event=event, device=device).aggregate(last=Max("number"))["last"]
