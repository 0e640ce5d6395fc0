"""Issue 23: every hostile route or ride file (tests/routes/hostile.py: each cost a worker seconds to
minutes or hundreds of MB to GB before the budget) is refused or accepted within the budget of a
request: under 2 s through the same doors an upload goes through (the worker's part run inline, as
in eager mode), and under 200 MB of growth of the process while its file is worked on, measured here
on this machine. Negative controls show the two measures catch the old behaviour. The suite takes
~20 s: it is the issue's measure, on files up to the caps."""

from __future__ import annotations

import gzip
import itertools
import time

import numpy as np
import pytest
import scipy.ndimage
import scipy.spatial  # noqa: F401 - routes import both when first used: loaded here, before anything is measured

from core.errors import ServiceError
from routes import cues, formats, gpx, matching, safexml
from routes.models import Cue, Ride, RouteVersion
from routes.services import file_parse, gpx_ingest, ride_upload, route_import
from tests.routes import hostile

pytestmark = pytest.mark.timed  # growth of work with input size: measured alone (make test, serial lane)

SECONDS = 2.0
PEAK_BYTES = 200_000_000

# what each file must come to: a refusal's code, or "ok"
EXPECTED = {
    "zigzag": "too_long",
    "route_zigzag": "too_long",
    "zigzag_ride": "too_long",
    "long_jump": "ok",
    "far_waypoints": "too_many_waypoints",
    "far_waypoints_2000": "ok",
    "near_waypoints_2000": "ok",
    "empty_waypoints": "too_many_elements",  # 1.7 million attributes: refused before the parser runs
    "nested_elements": "too_many_elements",
    "nested_under_the_count": "too_deep",
    "empty_elements": "too_many_elements",
    "empty_elements_in_a_point": "too_many_elements",
    "empty_elements_under_the_count": "ok",
    "attribute_flood": "too_many_elements",
    "long_tag": "tag_too_long",
    "fit_one_byte_messages": "too_many_messages",
    "fit_too_many_points": "too_many_points",
    "longest_allowed": "ok",
}
RIDE_DOOR = ("zigzag_ride", "fit_one_byte_messages", "longest_allowed", "far_waypoints_2000")


def _outcome(call) -> str:
    """The refusal's code, or the code a worker gave the stored file (a larger file is measured by the
    task queued on commit, run inline here as in eager mode), or "ok"."""
    try:
        with _on_commit_run():
            stored = call()
    except ServiceError as refused:
        return refused.error_code
    stored.refresh_from_db()
    assert stored.status != "pending"
    return stored.error_code or "ok"


def _on_commit_run():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def _measured(call, work) -> tuple[str, float, int]:
    """(outcome through the door, its seconds, the memory growth of the door's file work)."""
    started = time.perf_counter()
    outcome = _outcome(call)
    return outcome, time.perf_counter() - started, hostile.growth(work)


def _route_work(data: bytes) -> None:
    """What a route upload does with the file, outside the database: parse, measure, cues, places."""
    ingested = gpx_ingest(data)
    parsed = ingested.parsed
    _, parts = cues.detect(parsed.lat, parsed.lon, parsed.segments())
    cues.along_many(parts, np.array([w.lat for w in parsed.waypoints]), np.array([w.lon for w in parsed.waypoints]))


def _ride_work(data: bytes) -> None:
    parsed = file_parse(data, with_times=True)
    matching.RideIndex(parsed.lat, parsed.lon, parsed.times)


def test_the_catalogue_is_the_expected_one():
    assert set(hostile.catalogue()) == set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_route_upload_stays_within_the_budget(name, organizer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = hostile.made(name)
    assert len(data) < 2_000_000 or name == "attribute_flood"  # small files, all but one of them
    outcome, took, peak = _measured(lambda: route_import(owner=organizer, data=data, filename=f"{name}.gpx"),
                                    lambda: _route_work(data))
    assert outcome == EXPECTED[name]
    assert took < SECONDS, f"{name}: {took:.2f} s"
    assert peak < PEAK_BYTES, f"{name}: {peak / 1e6:.0f} MB"
    if outcome != "ok":  # refused in the request: nothing stored; by the worker: the file is deleted
        assert not RouteVersion.objects.exclude(status=RouteVersion.Status.FAILED).exists()
        assert all(not v.gpx_file for v in RouteVersion.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize("name", RIDE_DOOR)
def test_a_hostile_ride_upload_stays_within_the_budget(name, rider, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = hostile.made(name)
    outcome, took, peak = _measured(lambda: ride_upload(rider=rider, data=data, filename=f"{name}.fit"),
                                    lambda: _ride_work(data))
    assert outcome == EXPECTED[name] and took < SECONDS and peak < PEAK_BYTES, (outcome, took, peak)
    if outcome != "ok":
        assert not Ride.objects.exclude(status=Ride.Status.FAILED).exists()
        assert all(not r.file for r in Ride.objects.all())


def test_the_memory_measure_catches_the_old_walk():
    """Negative control: the old walk kept every element it did not read until its parent ended; the
    same measure sees it grow by tens of MB on 300,000 nested elements, ours by almost nothing."""
    xml = gzip.decompress(hostile.nested_elements(300_000))

    def our_walk():  # deeper than MAX_DEPTH: refused at depth 33
        for _ in safexml.ended(xml, wanted=frozenset(), keep={}, max_elements=10_000_000):
            pass

    old, ours = hostile.growth(lambda: hostile.old_walk(xml)), hostile.growth(our_walk)
    assert old > 40_000_000 and ours < 20_000_000, (old, ours)


def test_the_time_measure_catches_the_old_placement():
    """Negative control: the old cue placement measured every far waypoint against every 10 m sample
    with the exact geodesic: ~0.1 s a waypoint here, so the issue's 10,000 waypoints took minutes.
    The k-d tree places 2,000 in a few milliseconds a hundred."""
    parsed = gpx.parse(hostile.far_waypoints(2_000), max_bytes=10**7, max_points=10**6)
    _, parts = cues.detect(parsed.lat, parsed.lon, parsed.segments())
    started = time.perf_counter()
    hostile.old_placement(parsed.waypoints[:3], parts)
    old_each = (time.perf_counter() - started) / 3
    started = time.perf_counter()
    placed = cues.along_many(parts, np.array([w.lat for w in parsed.waypoints]),
                             np.array([w.lon for w in parsed.waypoints]))
    new_each = (time.perf_counter() - started) / len(parsed.waypoints)
    assert placed == [None] * 2_000  # all far from the line
    assert old_each * 10_000 > SECONDS * 10 and new_each * 10_000 < SECONDS / 4, (old_each, new_each)


@pytest.mark.django_db
def test_waypoints_beside_the_route_are_placed_on_its_cue_sheet(organizer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    version = route_import(owner=organizer, data=hostile.near_waypoints(50), filename="补给.gpx")
    placed = Cue.objects.filter(version=version, source=Cue.Source.POI)
    assert placed.count() == 50  # 8 m off the line, every one
    assert all(0 <= c.distance_m <= version.distance_m for c in placed)


def test_a_jump_across_the_earth_is_a_gap_not_a_distance():
    """dougfales__gpx/tracks.gpx has a 12,509 km jump: it was a 15,393 km route."""
    parsed = formats.parse(hostile.long_jump(), max_bytes=10**7, max_points=10**6, max_km=5_000)
    assert len(parsed.segments()) == 2 and formats.line_km(parsed) < 100


def test_a_sparse_planned_track_keeps_its_long_steps():
    """A planner's export with a point every few km is one line, not a heap of pieces."""
    body = "".join(f'<trkpt lat="{37 + i * 0.03:.4f}" lon="114.5"/>' for i in range(30))  # 3.3 km steps
    data = f'{hostile.GPX_HEAD}<trk><trkseg>{body}</trkseg></trk></gpx>'.encode()
    parsed = formats.parse(data, max_bytes=10**7, max_points=10**6)
    assert len(parsed.segments()) == 1 and 90 < formats.line_km(parsed) < 100


def test_a_line_in_too_many_pieces_is_refused():
    close = "".join(f'<trkpt lat="{37 + i * 0.0001:.5f}" lon="114.5"/>' for i in range(2))
    far = "".join(f'<trkpt lat="{37 + i * 0.0001:.5f}" lon="{100 + (k % 2) * 10}"/>'
                  for k in range(1_100) for i in range(2))
    data = f"{hostile.GPX_HEAD}<trk><trkseg>{close}{far}</trkseg></trk></gpx>".encode()
    with pytest.raises(gpx.GpxError) as refused:
        formats.parse(data, max_bytes=10**7, max_points=10**6)
    assert refused.value.code == "too_many_segments"


def test_the_refusals_reach_a_rider_in_words(rider):
    from django.utils import translation

    from routes.services.files import file_parse

    for name, words in (("route_zigzag", "5,000"), ("far_waypoints", "2000"), ("nested_under_the_count", "32")):
        with pytest.raises(ServiceError) as refused:
            file_parse(hostile.catalogue()[name]())
        assert words in refused.value.messages[0], refused.value.messages
    with translation.override("zh-hans"), pytest.raises(ServiceError) as refused:
        file_parse(hostile.far_waypoints())
    assert "航点" in refused.value.messages[0]


def test_an_ordinary_route_is_well_within_the_budget():
    from tests.helpers import make_gpx

    parsed = formats.parse(make_gpx(points=200), max_bytes=10_000_000, max_points=200_000, max_km=5_000)
    assert 0 < formats.line_km(parsed) < 5_000 and len(parsed.segments()) == 1


@pytest.mark.django_db
def test_stored_file_names_use_our_own_extension(organizer, settings, tmp_path):
    from tests.helpers import make_gpx

    settings.MEDIA_ROOT = tmp_path
    version = route_import(owner=organizer, data=make_gpx(), filename="线路-evilgpx.exe")  # the new version
    assert version.gpx_file.name.endswith(".gpx") and ".exe" not in version.gpx_file.name
    assert version.original_filename == "线路-evilgpx.exe"  # shown to the owner, never used as a path
    packed = route_import(owner=organizer, data=gzip.compress(make_gpx(name="压缩")), filename="x.tcx")
    assert packed.gpx_file.name.endswith(".gpx.gz")


@pytest.mark.django_db
def test_the_google_takeout_file_imports_within_the_budget(organizer):
    """GPSBabel__gpsbabel/googletakeout.gpx (100 KB, 778 points, 111 waypoints) took over 2 minutes:
    its waypoints were measured against every sample of the line with the exact geodesic."""
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gpx"
    path = corpus / "GPSBabel__gpsbabel" / "googletakeout.gpx"
    started = time.perf_counter()
    version = route_import(owner=organizer, data=path.read_bytes(), filename=path.name)
    assert time.perf_counter() - started < SECONDS
    assert version.status == RouteVersion.Status.READY and version.pois.count() == 111
    assert version.segments > 100  # its long jumps are gaps, not distance


def test_a_cue_sheet_keeps_the_sharpest_turns_of_a_line_that_never_stops_turning():
    """A square wave of 165 m legs for 4,700 km: 28,000 turns; the sheet keeps 2,000, in order."""
    import math

    n, step = 60_000, 1400 / 60_000 / 111.2
    lat, lon, la, lo = [], [], 10.0, 110.0
    for i in range(n):
        phase = (i // 7) % 4
        la, lo = (la + step, lo) if phase in (0, 2) else (la, lo + (step if phase == 1 else -step))
        lat.append(la)
        lon.append(lo + 1e-7 * math.sin(i))
    turns, _ = cues.detect(np.array(lat), np.array(lon), [slice(0, n)])
    assert len(turns) == cues.MAX_TURNS
    assert all(a.distance_m < b.distance_m for a, b in itertools.pairwise(turns))
