"""`python manage.py import_passings EVENT FILE --format {raceresult,mylaps,chronotrack,csv}`: a timing
system's file of passings for an event (docs/raceday.md). Passings already stored (same device and
passing) change nothing, so a file can be imported again as it grows."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceError
from events.models import Event
from timing import formats
from timing.services import passings_ingest

MAX_FILE_BYTES = 64 * 1024 * 1024


class Command(BaseCommand):
    help = "Import a timing system's passings file into an event (the format guessed when not given)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("event", help="the event's slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=formats.FORMATS, dest="fmt")
        parser.add_argument("--device", default="", help="the decoder's name (default: from the lines, or the file)")
        parser.add_argument("--point", default="",
                            help="the timing point of every line (a RACE RESULT decoder's file must say it)")

    def handle(self, *args, event: str, file: Path, fmt: str | None, device: str, point: str, **options) -> None:
        found = Event.objects.filter(slug=event).first()
        if found is None:
            raise CommandError(f"No event {event!r}.")
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{file} is over {MAX_FILE_BYTES // 2**20} MB: split it.")
            text = file.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as error:
            raise CommandError(str(error)) from None
        fmt = fmt or formats.guess(text)
        if fmt is None:
            raise CommandError("The format cannot be told from the first line: give --format.")
        try:
            report = passings_ingest(event=found, reads=formats.read(fmt, text), source=fmt,
                                     device=device or ("" if fmt != "raceresult" else file.stem),
                                     point=point)
        except ServiceError as error:
            raise CommandError("\n".join(str(m) for m in error.messages)) from None
        self.stdout.write(f"{report.received} passings read, {report.new} new, {report.duplicates} already stored.")
        if report.unknown_codes:
            self.stdout.write(f"Chips or bibs no rider holds ({len(report.unknown_codes)}): "
                              + ", ".join(report.unknown_codes[:50]))
        if report.unknown_points:
            self.stdout.write("Timing points no checkpoint names: " + ", ".join(report.unknown_points[:20]))
        if report.last_number is not None:
            self.stdout.write(f"Last passing number stored from this device: {report.last_number}.")
