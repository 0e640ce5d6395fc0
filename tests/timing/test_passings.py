"""Issue 29: passings from each timing system's format (files and batches) with duplicates, batches out
of order and sent again, unknown chips, a rider missing a checkpoint and one past a closing time; the
statuses, times and rankings checked against hand-computed values."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from core.errors import ServiceError
from core.times import local
from tests.timing.conftest import H, M, reads_of
from timing import formats
from timing.models import Passing, Result
from timing.services import passings_ingest, results_recount, ruling_set

pytestmark = pytest.mark.django_db


def _rr(race, reads) -> dict[str, str]:
    """One RACE RESULT decoder file a point: `PassingNo;Bib/TranspCode;Date;Time;EventID;Hits;MaxRSSI;
    InternalData;IsActive;Channel;LoopID;...`, numbered in the order the decoder saw them."""
    files: dict[str, list[str]] = {}
    for code, point, when in reads:
        moment = local(when, race.event)
        day = moment.strftime("%Y-%m-%d") if point != "CP1" else "0000-00-00"  # the feed station's has no GPS
        lines = files.setdefault(point, [])
        lines.append(f"{len(lines) + 1};{code};{day};{moment:%H:%M:%S}.{moment.microsecond // 1000:03d};1;3;-61;"
                     f"0;0;1;1;0;0;0;0;0;box-{point}")
    return {point: "\n".join(lines) + "\n" for point, lines in files.items()}


def _mylaps(race, reads) -> str:
    records = []
    for n, (code, point, when) in enumerate(reads, start=1):
        moment = local(when, race.event)
        records.append(f"{point}@Passing@c={code}|ct=UH|d={moment:%y%m%d}|l=1|dv=7|re=0|an=00001111|g=0|"
                       f"t={moment:%H:%M:%S}.{moment.microsecond // 1000:03d}@{n}@$")
    return "\r\n".join(records)


def _chronotrack(race, reads) -> str:
    return "\n".join(f"CT01_13,{n},{point},{code},{local(when, race.event):%H:%M:%S}.00,1,117F37,3"
                     for n, (code, point, when) in enumerate(reads, start=1)) + "\n"


def _csv(race, reads) -> str:
    return "bib_or_chip,checkpoint,time\n" + "".join(
        f"{code},{point},{local(when, race.event):%H:%M:%S}\n" for code, point, when in reads)


def _feed(race, fmt: str, reads) -> None:
    """Send the reads in `fmt`: RACE RESULT as one file per decoder (its point given with the file)."""
    if fmt == "raceresult":
        for point, text in _rr(race, reads).items():
            passings_ingest(event=race.event, reads=formats.read(fmt, text), source=fmt, device=f"rr-{point}",
                            point=point)
        return
    text = {"mylaps": _mylaps, "chronotrack": _chronotrack, "csv": _csv}[fmt](race, reads)
    passings_ingest(event=race.event, reads=formats.read(fmt, text), source=fmt, device=f"{fmt}-1")


def _table(race) -> dict[str, tuple]:
    results = {r.registration_id: r for r in Result.objects.filter(event=race.event)}
    return {name: (results[seat.pk].status, results[seat.pk].gun_seconds, results[seat.pk].chip_seconds,
                   results[seat.pk].rank, results[seat.pk].rank_gender, results[seat.pk].rank_age)
            for name, seat in race.seats.items()}


# By hand: gun G. B finished at G+1:50:00, started G+5 s: chip 1:49:55, the fastest (rank 1; first
# woman; 40-49). F finished at G+1:40:00, started G+15 s: chip 1:39:45 (rank 1 until disqualified).
# A finished at G+2:00:00 (its second finish read 3 s later is the same passing), left the start mat
# at G+12 s: chip 1:59:48 (rank 2; first man; 30-39 group first). C passed the feed station at G+1:10,
# after it closed at G+1:00: DNF. D passed it at G+0:40 and is still out (the finish closes at G+3:00).
# E never started.
EXPECTED = {
    "A": ("finished", 2 * H, 2 * H - 12, 2, 1, 1),
    "B": ("finished", H + 50 * M, H + 50 * M - 5, 1, 1, 1),
    "C": ("dnf", None, None, None, None, None),
    "D": ("on_course", None, None, None, None, None),
    "E": ("not_started", None, None, None, None, None),
    "F": ("dsq", None, None, None, None, None),
}


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_each_format_gives_the_hand_computed_results(race, fmt):
    reads = reads_of(race)
    _feed(race, fmt, reads)
    table = _table(race)
    # F (1:39:45) is first, B second (1:49:55), A third (1:59:48); B is the only woman; age groups on the
    # event's day: A 36 and F 35 (30-39: F first, A second), B 41 (40-49)
    assert table["F"] == ("finished", H + 40 * M, H + 40 * M - 15, 1, 1, 1)
    assert table["B"] == ("finished", H + 50 * M, H + 50 * M - 5, 2, 1, 1)
    assert table["A"] == ("finished", 2 * H, 2 * H - 12, 3, 2, 2)
    assert table["C"][0] == "dnf" and table["D"][0] == "on_course" and table["E"][0] == "not_started"
    c = Result.objects.get(registration=race.seats["C"])
    assert c.missed_id == race.checkpoints["CP1"].pk
    d = Result.objects.get(registration=race.seats["D"])
    assert (d.last_checkpoint_id, d.last_at) == (race.checkpoints["CP1"].pk, race.at(40 * M))
    b = Result.objects.get(registration=race.seats["B"])  # the feed station's read is missing: no split there
    assert b.splits == {str(race.checkpoints["START"].pk): 5, str(race.checkpoints["FINISH"].pk): H + 50 * M}
    assert Passing.objects.filter(event=race.event, code="ZZZZ9", registration=None).count() == 1
    # the registration keeps the official result (the results page, seeding by previous results)
    race.seats["A"].refresh_from_db()
    assert (race.seats["A"].result, race.seats["A"].finish_seconds) == ("finished", 2 * H - 12)

    # the organizer disqualifies F: B and A move up, F keeps no rank
    ruling_set(event=race.event, by=race.event.organizers.first(), bib=race.seats["F"].bib, status="dsq",
               checkpoint=None, reason="抄近路")
    assert _table(race) == EXPECTED


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_batches_sent_again_out_of_order_and_shuffled_change_nothing(race, fmt):
    reads = reads_of(race)
    _feed(race, fmt, reads)
    before = (Passing.objects.filter(event=race.event).count(), _table(race))
    shuffled = reads[:]
    random.Random(29).shuffle(shuffled)
    _feed(race, fmt, shuffled[:7])  # a resent half, in another order
    _feed(race, fmt, shuffled)
    assert (Passing.objects.filter(event=race.event).count(), _table(race)) == before


def test_later_reads_sent_first_give_the_same_result(race):
    """A forwarder that lost its link sends the finish before the start: the result waits for neither."""
    reads = reads_of(race)
    for part in (reads[9:], reads[:9]):
        passings_ingest(event=race.event, reads=formats.read("csv", _csv(race, part)), source="csv", device="phone")
    assert _table(race)["A"] == ("finished", 2 * H, 2 * H - 12, 3, 2, 2)


def test_a_rider_still_out_when_the_finish_closes_is_dnf_at_the_finish(race):
    _feed(race, "csv", reads_of(race))
    results_recount(event=race.event, now=race.at(3 * H + 1))
    d = Result.objects.get(registration=race.seats["D"])
    assert (d.status, d.missed_id) == ("dnf", race.checkpoints["FINISH"].pk)
    race.seats["D"].refresh_from_db()
    assert race.seats["D"].result == "dnf"


def test_reads_apart_by_more_than_the_gap_are_two_passings_on_a_shared_mat(race):
    """A loop's start and finish on one mat: the first passing there is the start, the next the finish."""
    from timing.models import Checkpoint

    Checkpoint.objects.filter(pk=race.checkpoints["FINISH"].pk).update(point="START")
    code = str(race.seats["E"].bib)
    reads = [(code, "START", race.at(3)), (code, "START", race.at(30)), (code, "START", race.at(H + 2))]
    passings_ingest(event=race.event, reads=formats.read("csv", _csv(race, reads)), source="csv", device="mat")
    e = Result.objects.get(registration=race.seats["E"])
    # reads 27 s apart are one passing (gap 60 s): the start is its last read, G+30 s
    assert (e.status, e.gun_seconds, e.chip_seconds) == ("finished", H + 2, H + 2 - 30)


def test_unknown_chips_are_kept_and_taken_up_once_the_chip_is_imported(race):
    from events.services import chips_import

    code = "EEEE5"
    reads = [(code, "START", race.at(7)), (code, "FINISH", race.at(H))]
    report = passings_ingest(event=race.event, reads=formats.read("csv", _csv(race, reads)), source="csv",
                             device="phone")
    assert report.unknown_codes == [code] and report.new == 2
    chips_import(event=race.event, data=f"bib,tag\n{race.seats['E'].bib},{code}\n".encode())
    from timing.services import passings_relink

    assert passings_relink(event=race.event) == 2
    e = Result.objects.get(registration=race.seats["E"])
    assert (e.status, e.chip_seconds) == ("finished", H - 7)


def test_an_unreadable_line_stores_nothing_and_says_which(race):
    text = "CT01_13,1,START,AAAA1,08:00:01.00,1,R,1\nCT01_13,2,START,AAAA1,8h00,1,R,1\n"
    with translation.override("en"), pytest.raises(ServiceError) as caught:
        passings_ingest(event=race.event, reads=formats.read("chronotrack", text), source="chronotrack")
    assert "Line 2: the time is not HH:MM:SS." in str(caught.value)
    assert not Passing.objects.exists()


def test_the_formats_read_field_for_field():
    rr = list(formats.read("raceresult", "17;AB12CD;0000-00-00;09:05:07.250;12;4;-55;x;1;1;2\n"))
    assert rr == [formats.Read(1, "AB12CD", datetime.time(9, 5, 7, 250000), None, "", "", "17", 17)]
    dated = next(formats.read("raceresult", "3;204;2026-05-01;23:59:59;1"))
    assert (dated.day, dated.time) == (datetime.date(2026, 5, 1), datetime.time(23, 59, 59))
    ml = list(formats.read("mylaps", "Finish@Passing@c=0000041|ct=UH|d=260501|dv=4|t=10:00:00.005|b=41@"
                                     "c=0000042|d=260501|t=10:00:01|dv=4@12@$Finish@Ping@$"))
    assert [(r.code, r.point, r.device, r.day, r.time) for r in ml] == [
        ("0000041", "Finish", "4", datetime.date(2026, 5, 1), datetime.time(10, 0, 0, 5000)),
        ("0000042", "Finish", "4", datetime.date(2026, 5, 1), datetime.time(10, 0, 1))]
    ct = next(formats.read("chronotrack", "CT01_13,24,START,50101,15:54:48.90,1,117F37,8"))
    assert (ct.code, ct.point, ct.device, ct.time) == ("50101", "START", "117F37", datetime.time(15, 54, 48, 900000))
    csv = list(formats.read("csv", "bib_or_chip,checkpoint,time\n12,CP1,2026-05-01 08:30:00+08:00\n12,CP2,9:01:02\n"))
    assert csv[0].zone is not None and csv[0].day == datetime.date(2026, 5, 1) and csv[1].day is None
    refused = list(formats.read("raceresult", "x;1;2;3\n1;;0000-00-00;09:00:00\n2;5;2026-13-01;09:00:00\n"))
    assert [(r.line, r.reason) for r in refused] == [(1, "fields"), (2, "code"), (3, "date")]
    assert formats.guess("CT01_13,1,A,B,10:00:00.00") == "chronotrack"
    assert formats.guess("Finish@Passing@c=1|t=10:00:00@$") == "mylaps"
    assert formats.guess("1;2;0000-00-00;10:00:00") == "raceresult"
    assert formats.guess("12,CP1,10:00:00") == "csv"


def test_a_time_past_midnight_falls_on_the_next_day(race):
    from events.models import Event

    late = race.gun.replace(hour=15, minute=0, second=0)  # 23:00 in Shanghai
    # (its end moves with it: left where the fixture put it, a late start fell after the end whenever the
    # test ran between 02:30 and 12:30 UTC, and the event's check constraint refused it)
    Event.objects.filter(pk=race.event.pk).update(starts_at=late, ends_at=late + datetime.timedelta(hours=5))
    race.event.refresh_from_db()
    reads = list(formats.read("csv", f"{race.seats['E'].bib},START,00:30:00\n"))
    passings_ingest(event=race.event, reads=reads, source="csv", device="night")
    moment = Passing.objects.get(device="night").at
    assert moment == late + datetime.timedelta(hours=1, minutes=30)


def test_import_passings_command_reads_a_file(race, tmp_path, capsys):
    path = tmp_path / "finish.txt"
    path.write_text(_chronotrack(race, reads_of(race)))
    call_command("import_passings", race.event.slug, str(path), "--format", "chronotrack")
    out = capsys.readouterr().out
    assert "15 passings read, 15 new" in out and "ZZZZ9" in out
    call_command("import_passings", race.event.slug, str(path))  # the format guessed; nothing new
    assert "15 passings read, 0 new" in capsys.readouterr().out
    assert Result.objects.get(registration=race.seats["A"]).status == "finished"
    assert timezone.now() > race.gun


def test_a_decoders_file_that_does_not_say_where_is_refused_with_the_events_points(race, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "decoder-7.txt"  # RACE RESULT lines carry no place; the file's name is not a point
    path.write_text(f"1;{race.seats['A'].bib};0000-00-00;10:00:00.000;1;3;-60\n")
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("import_passings", race.event.slug, str(path), "--format", "raceresult")
    assert "give their timing point (CP1, FINISH, START)" in str(caught.value)
    call_command("import_passings", race.event.slug, str(path), "--format", "raceresult", "--point", "finish")
    stored = Passing.objects.get(event=race.event)
    assert (stored.point, stored.device, stored.number) == ("FINISH", "decoder-7", 1)  # the point named any case


def test_the_closings_job_writes_dnf_for_a_rider_still_out_when_the_finish_closed(race):
    from timing.models import Closing
    from timing.tasks import closings

    passings_ingest(event=race.event, reads=formats.read("csv", _csv(race, reads_of(race))), source="csv",
                    device="phone")
    assert Result.objects.get(registration=race.seats["D"]).status == "on_course"
    Closing.objects.filter(checkpoint=race.checkpoints["FINISH"]).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1))
    assert closings() == 6
    d = Result.objects.get(registration=race.seats["D"])
    assert (d.status, d.missed_id) == ("dnf", race.checkpoints["FINISH"].pk)
