"""The timing systems' passing formats, read line by line into `Read`s (pure: no Django).

- RACE RESULT decoder passing lines: `PassingNo;Bib/TranspCode;Date;Time;EventID;Hits;MaxRSSI;
  InternalData;IsActive;Channel;LoopID;...` (the date `0000-00-00` when the decoder has no GPS;
  the 17th field, when present, is the box's name);
- MYLAPS exchange messages: `Location@Passing@c=...|t=...|d=...|dv=...|b=...@...@$` (the location
  first, then one `key=value|...` record a passing; records end in `$`): `c=` chip, `t=` time of day,
  `d=` date YYMMDD, `dv=` device, `b=` bib;
- ChronoTrack `CT01_13,line,location,tag,time,reads,reader,antenna`;
- a generic CSV `bib_or_chip,checkpoint,time` (manual timing, phones), the time of day or a date and
  time.

Times of day are local to the event: `Read.day` is None when the line has no date, and the caller
places it on the event's day. A line that cannot be read comes back as a `Refusal` with its line
number; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

FORMATS = ("raceresult", "mylaps", "chronotrack", "csv")
MAX_CODE = 32

_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,6}))?")


@dataclass(frozen=True)
class Read:
    """One chip (or bib) read at a timing point."""

    line: int
    code: str  # the chip tag or the bib as the system sent it
    time: dt.time
    day: dt.date | None  # None: the event's day
    point: str  # the timing point's name as the system knows it ("" when the line does not say)
    device: str  # "" when the line does not say
    key: str  # what makes the read unique on its device (its passing number, or code, day and time)
    number: int | None = None  # the device's passing number, where it numbers them
    zone: dt.tzinfo | None = None  # a CSV time written with its UTC offset; otherwise the event's zone


@dataclass(frozen=True)
class Refusal:
    line: int
    reason: str  # a code: "fields", "time", "date", "code"


def parse_time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text.strip())
    if not match:
        return None
    hours, minutes, seconds = (int(g) for g in match.groups()[:3])
    fraction = (match.group(4) or "").ljust(6, "0")
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return dt.time(hours, minutes, seconds, int(fraction))


def _code(text: str) -> str | None:
    code = text.strip()
    if not code or len(code) > MAX_CODE or not code.isprintable() or any(c in code for c in ";,|@$"):
        return None
    return code


def _checked(line: int, code_text: str, time_text: str) -> tuple[str, dt.time] | Refusal:
    """The line's code and time, or its refusal."""
    code, time = _code(code_text), parse_time(time_text)
    if code is None:
        return Refusal(line, "code")
    if time is None:
        return Refusal(line, "time")
    return code, time


def _key(code: str, day: dt.date | None, time: dt.time) -> str:
    return f"{code}@{day.isoformat() if day else ''}T{time.isoformat()}"


def read_raceresult(lines: list[str]) -> Iterator[Read | Refusal]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(";")]
        if len(fields) < 4 or not fields[0].isdigit() or len(fields[0]) > 12:
            if number == 1 and fields[0].lower().startswith("passing"):
                continue  # a header
            yield Refusal(number, "fields")
            continue
        checked = _checked(number, fields[1], fields[3])
        if isinstance(checked, Refusal):
            yield checked
            continue
        code, time = checked
        day = None
        if fields[2] not in ("", "0000-00-00"):
            try:
                day = dt.date.fromisoformat(fields[2])
            except ValueError:
                yield Refusal(number, "date")
                continue
        box = fields[16] if len(fields) > 16 else ""  # a decoder is one place: its point is given with the file
        yield Read(number, code, time, day, point="", device=box[:40], key=fields[0], number=int(fields[0]))


def read_mylaps(text: str) -> Iterator[Read | Refusal]:
    line = 0
    for message in text.split("$"):
        message = message.strip()
        if not message:
            continue
        line += 1
        parts = message.split("@")
        location = parts[0].strip() if parts and "=" not in parts[0] else ""
        records = [part for part in parts if "=" in part]
        if not records:
            if not any(part.strip().lower() in ("ping", "pong", "ackping", "ackpong") for part in parts):
                yield Refusal(line, "fields")
            continue
        for record in records:
            values = dict(pair.split("=", 1) for pair in record.split("|") if "=" in pair)
            values = {k.strip(): v.strip() for k, v in values.items()}
            checked = _checked(line, values.get("c", "") or values.get("b", ""), values.get("t", ""))
            if isinstance(checked, Refusal):
                yield checked
                continue
            code, time = checked
            day = None
            if values.get("d"):
                try:
                    day = dt.datetime.strptime(values["d"], "%y%m%d").date()
                except ValueError:
                    yield Refusal(line, "date")
                    continue
            yield Read(line, code, time, day, point=location[:40], device=values.get("dv", "")[:40],
                       key=_key(code, day, time))


def read_chronotrack(lines: list[str]) -> Iterator[Read | Refusal]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 5 or not fields[0].upper().startswith("CT01"):
            yield Refusal(number, "fields")
            continue
        checked = _checked(number, fields[3], fields[4])
        if isinstance(checked, Refusal):
            yield checked
            continue
        code, time = checked
        reader = fields[6] if len(fields) > 6 else ""
        yield Read(number, code, time, None, point=fields[2][:40], device=reader[:40],
                   key=f"{fields[2][:40]}:{_key(code, None, time)}")


def _when(text: str) -> tuple[dt.date | None, dt.time, dt.tzinfo | None] | None:
    text = text.strip()
    if (time := parse_time(text)) is not None:
        return None, time, None
    if not re.fullmatch(r"[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}[ T][0-9:.,]+(Z|[+-][0-9]{2}:?[0-9]{2})?", text):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("/", "-").replace(",", "."))
    except ValueError:
        return None
    return moment.date(), moment.time().replace(tzinfo=None), moment.tzinfo


def read_csv(text: str) -> Iterator[Read | Refusal]:
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            yield Refusal(number, "fields")
            continue
        code_text, point, when_text = row[0], row[1].strip(), row[2]
        if number == 1 and code_text.strip().lower() in ("bib_or_chip", "bib", "chip", "号码", "芯片"):
            continue
        code, when = _code(code_text), _when(when_text)
        if code is None:
            yield Refusal(number, "code")
            continue
        if when is None:
            yield Refusal(number, "time")
            continue
        day, time, zone = when
        yield Read(number, code, time, day, point=point[:40], device="",
                   key=f"{point[:40]}:{_key(code, day, time)}{zone or ''}", zone=zone)


def read(fmt: str, text: str) -> Iterator[Read | Refusal]:
    """Every read of a file or a pushed batch in one of FORMATS."""
    text = text.removeprefix("\ufeff")  # a byte-order mark (files saved by Windows tools)
    if fmt == "raceresult":
        return read_raceresult(text.splitlines())
    if fmt == "mylaps":
        return read_mylaps(text)
    if fmt == "chronotrack":
        return read_chronotrack(text.splitlines())
    if fmt == "csv":
        return read_csv(text)
    raise ValueError(fmt)


def guess(text: str) -> str | None:
    """The format of a file by its first line: what `import_passings` offers when none is given."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.upper().startswith("CT01"):
        return "chronotrack"
    if "=" in first and ("$" in text or "|" in first):
        return "mylaps"
    if first.count(";") >= 3:
        return "raceresult"
    if first.count(",") >= 2:
        return "csv"
    return None
