"""Hostile route and ride files (issue 23) through the whole ingest: time and peak memory of each.

Every file of tests/routes/hostile.py goes through route_import (parse, measure, store, cue sheet)
and through ride_upload (parse, match); time is taken in a run without tracemalloc, the peak of
Python allocations in a second run with it. The budget per request: under 2 s and 200 MB.

Run: .venv/bin/python bench/hostile_inputs.py [--only NAME]
"""

import argparse
import time
import tracemalloc

from _django import setup


def _run(call):
    try:
        result = call()
        return f"accepted ({getattr(result, 'points', '')} points)"
    except Exception as exc:  # ServiceError: the refusal's code is what we print
        return f"refused: {getattr(exc, 'error_code', type(exc).__name__)}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    setup()
    from accounts.models import User
    from routes.services import ride_upload, route_import
    from tests.routes import hostile

    owner = User.objects.create(username="bench-hostile")
    files = hostile.catalogue()
    print(f"{'file':28} {'door':6} {'bytes':>9} {'time s':>7} {'peak MB':>8}  outcome")
    worst_time = worst_peak = 0.0
    for name, make in files.items():
        if args.only and args.only != name:
            continue
        data = make()
        for door, call in (("route", lambda: route_import(owner=owner, data=data, filename=f"{name}.gpx")),
                           ("ride", lambda: ride_upload(rider=owner, data=data, filename=f"{name}.gpx"))):
            started = time.perf_counter()
            outcome = _run(call)
            took = time.perf_counter() - started
            tracemalloc.start()
            _run(call)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            worst_time, worst_peak = max(worst_time, took), max(worst_peak, peak)
            print(f"{name:28} {door:6} {len(data):9d} {took:7.2f} {peak:8.1f}  {outcome}")
    print(f"worst: {worst_time:.2f} s (budget 2 s), {worst_peak:.1f} MB (budget 200 MB)")


if __name__ == "__main__":
    main()
