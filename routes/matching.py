"""Does a recorded ride cover a route? No Django here.

Method (docs/routes.md): the route's line is sampled every SAMPLE_M metres. A sample is covered
when a ride point lies within RADIUS_M of it. Order matters: the covered samples must be met in
the route's direction, so we take the longest chain of samples whose matched ride points never go
back in time (a longest non-decreasing subsequence over the ride point indices, each sample
offering the first and last index of every pass of the ride near it). Coverage is that chain's
length over the number of samples; a route is completed at COMPLETE_SHARE or more. The ride's
elapsed time on the route runs from the first to the last ride point of the chain.

Ride points are searched with a k-d tree in a local metric plane, so a 20,000-point ride is matched
in milliseconds; candidate routes are found by bounding box before (routes/selectors.py).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from routes import cues, geo

SAMPLE_M = 25.0
RADIUS_M = 50.0
COMPLETE_SHARE = 0.95


@dataclass
class Match:
    coverage: float  # 0..1 of the route's samples, in order
    complete: bool
    first_point: int | None  # ride point indices where the route was met first and last
    last_point: int | None
    elapsed_s: float | None  # from the ride's timestamps, when it has them
    reversed: bool = False


class RideIndex:
    """A ride's points, ready to be matched against many routes. Points closer than THIN_M to the
    last kept one are left out of the search (a point every metre adds nothing at a 50 m radius);
    indices stay those of the ride, so times are read from every point."""

    THIN_M = 8.0

    def __init__(self, lat: np.ndarray, lon: np.ndarray, times: np.ndarray | None = None) -> None:
        self.times = times
        self.ref = math.radians(float(np.mean(lat)))
        x, y = self._xy(lat, lon)
        self.kept = _thinned(x, y, self.THIN_M)
        self.tree = cues.kd_tree()(np.column_stack((x[self.kept], y[self.kept])))

    def _xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.radians(lon) * geo.WGS84_A * math.cos(self.ref), np.radians(lat) * geo.WGS84_A

    def pairs(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sample, ride point) index pairs within RADIUS_M, sorted by sample then ride point."""
        x, y = self._xy(lat, lon)
        tree = cues.kd_tree()(np.column_stack((x, y)))
        found = tree.sparse_distance_matrix(self.tree, RADIUS_M, output_type="ndarray")
        samples, points = found["i"].astype(np.int64), found["j"].astype(np.int64)
        order = np.lexsort((points, samples))
        return samples[order], points[order]  # points index the kept points (self.kept maps them back)


def _thinned(x: np.ndarray, y: np.ndarray, spacing: float) -> np.ndarray:
    """Indices of points at least `spacing` apart along the ride (the first and last always)."""
    steps = np.hypot(np.diff(x), np.diff(y))
    travelled = np.concatenate(([0.0], np.cumsum(steps)))
    buckets = np.floor(travelled / spacing)
    keep = np.concatenate(([True], buckets[1:] != buckets[:-1]))
    keep[-1] = True
    return np.nonzero(keep)[0]


def route_samples(line: list[list[list[float]]]) -> tuple[np.ndarray, np.ndarray]:
    """The route's line (segments of [lat, lon]) every SAMPLE_M metres."""
    lats, lons = [], []
    for segment in line:
        if len(segment) < 2:
            continue
        points = np.asarray(segment, dtype=float)
        r = cues.resample(points[:, 0], points[:, 1], slice(0, len(points)), 0.0, step=SAMPLE_M)
        lats.append(r.lat)
        lons.append(r.lon)
    if not lats:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(lats), np.concatenate(lons)


def _options(samples: np.ndarray, points: np.ndarray, kept: np.ndarray, reverse: bool) -> tuple[list[int], list[int]]:
    """The ride points each sample offers to the chain: the first and the last point of every pass
    of the ride near it. Ordered by sample (in the route's direction, or against it), and within
    a sample from the last point to the first, so that one sample never extends its own chain."""
    if not len(samples):
        return [], []
    gap = np.ones(len(samples), dtype=bool)
    gap[1:] = (samples[1:] != samples[:-1]) | (points[1:] - points[:-1] > 1)  # kept points: a pass skips none
    first = gap
    last = np.roll(gap, -1)
    last[-1] = True
    chosen = first | last
    s, p = samples[chosen], kept[points[chosen]]
    key = -s if reverse else s
    order = np.lexsort((-p, key))
    return s[order].tolist(), p[order].tolist()


def _chain(samples: list[int], points: list[int]) -> tuple[int, int | None, int | None]:
    """(length, first ride point, last ride point) of the longest chain of samples whose ride
    points never go back (a longest non-decreasing subsequence, patience sorting)."""
    tails: list[int] = []  # tails[k]: the smallest ride point that ends a chain of k + 1 samples
    starts: list[int] = []  # the first ride point of that chain
    for value in points:
        k = bisect_right(tails, value)
        start = starts[k - 1] if k else value
        if k == len(tails):
            tails.append(value)
            starts.append(start)
        elif value < tails[k]:
            tails[k] = value
            starts[k] = start
    if not tails:
        return 0, None, None
    return len(tails), starts[-1], tails[-1]


def match(ride: RideIndex, line: list[list[list[float]]], *, either_direction: bool = False) -> Match:
    """How much of the route the ride covered, in the route's direction (or either, when allowed)."""
    lat, lon = route_samples(line)
    if not len(lat):
        return Match(coverage=0.0, complete=False, first_point=None, last_point=None, elapsed_s=None)
    samples, points = ride.pairs(lat, lon)
    best = _result(ride, samples, points, len(lat), reversed_=False)
    if either_direction:
        backwards = _result(ride, samples, points, len(lat), reversed_=True)
        if backwards.coverage > best.coverage:
            best = backwards
    return best


def _result(ride: RideIndex, samples: np.ndarray, points: np.ndarray, count: int, *, reversed_: bool) -> Match:
    length, first, last = _chain(*_options(samples, points, ride.kept, reversed_))
    coverage = length / count
    elapsed = None
    if first is not None and last is not None and ride.times is not None:
        start, end = ride.times[first], ride.times[last]
        if np.isfinite(start) and np.isfinite(end) and end >= start:
            elapsed = float(end - start)
    return Match(coverage=round(coverage, 4), complete=coverage >= COMPLETE_SHARE, first_point=first,
                 last_point=last, elapsed_s=elapsed, reversed=reversed_)


def outside_zone(lat: np.ndarray, lon: np.ndarray, centre: tuple[float, float] | None, radius_m: float) -> np.ndarray:
    """Which points lie outside a privacy zone (all of them when there is none)."""
    if centre is None or radius_m <= 0 or not len(lat):
        return np.ones(len(lat), dtype=bool)
    return geo.distances_from(centre[0], centre[1], lat, lon) > radius_m
