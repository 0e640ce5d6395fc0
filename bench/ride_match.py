"""Matching one recorded ride against the route library.

A 20,000-point ride (about 100 km at a point every 5 m, with 5 m GPS noise) over a library of
--routes routes of 20 to 100 km spread over the Xingtai area, a third of them along the ride. In one
run, medians of interleaved repeats: (a) what ride_upload does, candidate routes by bounding box
(one query) and matching them; (b) matching every route of the library without the box filter.
Target: (a) < 200 ms.

Run: .venv/bin/python bench/ride_match.py [--routes 60] [--repeat 5]
"""

import argparse
import math
import statistics
import time

import numpy as np
from _django import setup

M_LAT = 111_000.0
M_LON = 111_000.0 * math.cos(math.radians(37.05))


def _gpx(x: np.ndarray, y: np.ndarray) -> bytes:
    lat, lon = 37.05 + y / M_LAT, 114.5 + x / M_LON
    points = "".join(f'<trkpt lat="{a:.7f}" lon="{b:.7f}"/>' for a, b in zip(lat, lon))
    return ('<?xml version="1.0"?><gpx version="1.1" creator="b" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><trkseg>{points}</trkseg></trk></gpx>").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()
    from accounts.models import User
    from routes import matching
    from routes.selectors import routes_near, routes_published
    from routes.services import route_import

    rng = np.random.default_rng(15)
    owner = User.objects.create(username="bench-match")
    # the ride: a 100 km zig-zag, 20,000 points
    t = np.linspace(0, 100_000, 20_000)
    ride_x = t
    ride_y = 3000 * np.sin(t / 9000)
    for i in range(args.routes):
        length = rng.uniform(20_000, 100_000)
        s = np.linspace(0, length, int(length / 50))
        if i % 3 == 0:  # along the ride, from somewhere on it
            start = rng.uniform(0, 100_000 - length) if length < 100_000 else 0
            x, y = start + s, 3000 * np.sin((start + s) / 9000)
        else:  # elsewhere in the region, 30 to 120 km away
            angle = rng.uniform(0, 2 * math.pi)
            ox, oy = 30_000 + rng.uniform(0, 90_000) * math.cos(angle), rng.uniform(0, 90_000) * math.sin(angle)
            x, y = ox + s * math.cos(angle), oy + s * math.sin(angle)
        route_import(owner=owner, data=_gpx(x, y), filename=f"r{i}.gpx", name=f"route {i}", publish=True)
    lat = 37.05 + (ride_y + rng.normal(0, 5, len(t))) / M_LAT
    lon = 114.5 + (ride_x + rng.normal(0, 5, len(t))) / M_LON
    times = np.arange(len(t), dtype=float)
    bbox = (float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max()))
    library = list(routes_published().filter(current_version__isnull=False).select_related("current_version"))
    boxed, unboxed = [], []
    candidates = complete = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        index = matching.RideIndex(lat, lon, times)
        near = list(routes_near(bbox=bbox))
        results = [matching.match(index, r.current_version.line, either_direction=not r.one_way) for r in near]
        boxed.append(time.perf_counter() - started)
        candidates, complete = len(near), sum(r.complete for r in results)
        started = time.perf_counter()
        index = matching.RideIndex(lat, lon, times)
        for route in library:
            matching.match(index, route.current_version.line, either_direction=not route.one_way)
        unboxed.append(time.perf_counter() - started)
    a, b = statistics.median(boxed), statistics.median(unboxed)
    print(f"ride: {len(lat)} points, 100 km; library: {len(library)} routes; candidates by box: {candidates}; "
          f"completed: {complete}")
    print(f"(a) box query + match candidates   {a * 1000:7.1f} ms   (target < 200 ms)")
    print(f"(b) match every route, no box      {b * 1000:7.1f} ms")
    print(f"ratio a/b {a / b:.2f}; medians of {args.repeat} interleaved runs")


if __name__ == "__main__":
    main()
