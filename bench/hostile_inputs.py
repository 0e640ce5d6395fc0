"""Hostile route and ride files (issue 23) through the whole ingest: time and memory growth of each.

Every file of tests/routes/hostile.py goes through route_import (parse, measure, store, cue sheet;
a file a worker measures is measured inline here, as in eager mode) and through ride_upload
(parse, match). Time is the door's; memory is the growth of a forked copy of this process while
it does the file work (resident peak over its size before). The budget per request: under 2 s
and 200 MB. The old behaviour of two of them is shown for comparison (--old).

Run: .venv/bin/python bench/hostile_inputs.py [--only NAME] [--old]
"""

import argparse
import time

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--old", action="store_true", help="also time the old cue placement and XML walk")
    args = parser.parse_args()
    setup()
    import numpy as np
    from django.test import TestCase

    from accounts.models import User
    from core.errors import ServiceError
    from routes import cues, matching
    from routes.services import file_parse, gpx_ingest, ride_upload, route_import
    from tests.routes import hostile

    owner = User.objects.create(username="bench-hostile")

    def outcome(call) -> str:
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                stored = call()
        except ServiceError as refused:
            return f"refused: {refused.error_code}"
        stored.refresh_from_db()
        return f"refused by the worker: {stored.error_code}" if stored.error_code else "accepted"

    def route_work(data):
        parsed = gpx_ingest(data).parsed
        _, parts = cues.detect(parsed.lat, parsed.lon, parsed.segments())
        cues.along_many(parts, np.array([w.lat for w in parsed.waypoints]), np.array([w.lon for w in parsed.waypoints]))

    def ride_work(data):
        parsed = file_parse(data, with_times=True)
        matching.RideIndex(parsed.lat, parsed.lon, parsed.times)

    print(f"{'file':31} {'door':5} {'bytes':>9} {'time s':>7} {'grows MB':>8}  outcome")
    worst_time = worst_growth = 0.0
    for name in hostile.catalogue():
        if args.only and args.only != name:
            continue
        data = hostile.made(name)
        doors = (("route", route_import, route_work), ("ride", ride_upload, ride_work))
        for door, upload, work in doors:
            keyword = "owner" if upload is route_import else "rider"
            started = time.perf_counter()
            said = outcome(lambda upload=upload, keyword=keyword, data=data, name=name: upload(
                **{keyword: owner}, data=data, filename=f"{name}.gpx"))
            took = time.perf_counter() - started
            grew = hostile.growth(lambda work=work, data=data: work(data)) / 1e6
            worst_time, worst_growth = max(worst_time, took), max(worst_growth, grew)
            print(f"{name:31} {door:5} {len(data):9d} {took:7.2f} {grew:8.1f}  {said}")
    print(f"worst: {worst_time:.2f} s (budget 2 s), {worst_growth:.1f} MB (budget 200 MB)")
    if args.old:
        _old(hostile)


def _old(hostile) -> None:
    """The old behaviour on the same machine, for the ratio: a far waypoint measured with the exact
    geodesic against every 10 m sample, and the XML walk that kept what it did not read."""
    import gzip

    from routes import cues, gpx, safexml

    parsed = gpx.parse(hostile.far_waypoints(2_000), max_bytes=10**7, max_points=10**6)
    _, parts = cues.detect(parsed.lat, parsed.lon, parsed.segments())
    started = time.perf_counter()
    hostile.old_placement(parsed.waypoints[:5], parts)
    old = (time.perf_counter() - started) / 5
    import numpy as np

    started = time.perf_counter()
    cues.along_many(parts, np.array([w.lat for w in parsed.waypoints]), np.array([w.lon for w in parsed.waypoints]))
    new = (time.perf_counter() - started) / len(parsed.waypoints)
    print(f"far waypoint placement: old {old * 1000:.1f} ms each, new {new * 1000:.3f} ms each "
          f"(10,000 waypoints: old {old * 10_000:.0f} s, new {new * 10_000:.2f} s)")
    xml = gzip.decompress(hostile.nested_elements(1_000_000))

    def new_walk():
        for _ in safexml.ended(xml, wanted=frozenset(), keep={}, max_elements=10**8):
            pass

    print(f"1,000,000 nested elements: old walk grows {hostile.growth(lambda: hostile.old_walk(xml)) / 1e6:.0f} MB, "
          f"new {hostile.growth(new_walk) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
