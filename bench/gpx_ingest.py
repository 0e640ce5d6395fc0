"""Whole route ingest (parse, statistics, simplification, profile, storage) against gpxpy.parse.

For the five largest GPX files of the shared corpus, in one run: the median time of
gpxpy.parse alone and of our whole route_import (which also writes the database rows and the
file), and their ratio. Target: ratio <= 0.5.

Run: .venv/bin/python bench/gpx_ingest.py [--repeat 5]
"""

import argparse
import gzip
import statistics
import time

from _django import ROOT, setup

CORPUS = ROOT.parent / "shared" / "corpus" / "gpx"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()
    import gpxpy

    from accounts.models import User
    from routes.services import route_import

    owner = User.objects.create(username="bench-owner")
    files = sorted((p for p in CORPUS.rglob("*.gpx") if p.is_file()), key=lambda p: p.stat().st_size, reverse=True)
    print(f"{'file':58} {'MB':>5} {'points':>7} {'gpxpy.parse s':>13} {'our ingest s':>12} {'ratio':>6}")
    ratios = []
    for path in files[:5]:
        data = path.read_bytes()
        text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8")
        theirs, ours = [], []
        points = 0
        for _ in range(args.repeat):  # interleaved, so both sides see the same machine noise
            started = time.perf_counter()
            gpxpy.parse(text)
            theirs.append(time.perf_counter() - started)
            started = time.perf_counter()
            version = route_import(owner=owner, data=data, filename=path.name, name=path.stem)
            ours.append(time.perf_counter() - started)
            points = version.points
        t, o = statistics.median(theirs), statistics.median(ours)
        ratios.append(o / t)
        print(f"{path.relative_to(CORPUS)!s:58} {len(data) / 1e6:5.2f} {points:7d} {t:13.3f} {o:12.3f} {o / t:6.2f}")
    print(f"worst ratio {max(ratios):.2f} (target <= 0.50); medians of {args.repeat} interleaved runs each")


if __name__ == "__main__":
    main()
