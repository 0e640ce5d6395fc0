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
from itertools import pairwise

import numpy as np
from scipy.spatial import cKDTree

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
    """A ride's points, ready to be matched against many routes."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, times: np.ndarray | None = None) -> None:
        self.lat, self.lon = lat, lon
        self.times = times
        self.ref = math.radians(float(np.mean(lat)))
        self.tree = cKDTree(np.column_stack(self._xy(lat, lon)))

    def _xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.radians(lon) * geo.WGS84_A * math.cos(self.ref), np.radians(lat) * geo.WGS84_A

    def near(self, lat: np.ndarray, lon: np.ndarray) -> list[list[int]]:
        """Indices of ride points within RADIUS_M of each given point."""
        return self.tree.query_ball_point(np.column_stack(self._xy(lat, lon)), r=RADIUS_M)


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


def _options(indices: list[int]) -> list[int]:
    """First and last index of each pass (a run of consecutive ride points) near one sample, last first."""
    if not indices:
        return []
    ordered = sorted(indices)
    options = [ordered[0]]
    for previous, current in pairwise(ordered):
        if current - previous > 1:
            options += [previous, current]
    options.append(ordered[-1])
    return sorted(set(options), reverse=True)


def _chain(near: list[list[int]]) -> tuple[int, int | None, int | None]:
    """(length, first ride index, last ride index) of the longest in-order chain of covered samples."""
    tails: list[int] = []  # tails[k]: the smallest ride index that ends a chain of k + 1 samples
    starts: list[int] = []  # the first ride index of that chain
    for indices in near:
        # options from last to first, so that one sample never extends its own chain
        for value in _options(indices):
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
    near = ride.near(lat, lon)
    best = _result(ride, near, len(lat), reversed_=False)
    if either_direction:
        backwards = _result(ride, near[::-1], len(lat), reversed_=True)
        if backwards.coverage > best.coverage:
            best = backwards
    return best


def _result(ride: RideIndex, near: list[list[int]], samples: int, *, reversed_: bool) -> Match:
    length, first, last = _chain(near)
    coverage = length / samples
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
