"""Turn-by-turn cues from a route's geometry, and where points of interest lie along it. No Django.

Method (docs/routes.md): the line is resampled every STEP_M metres along its length, in a local
metric plane. At each sample the turn is the change from the bearing of the WINDOW_M before it
to the bearing of the WINDOW_M after it (right positive). Samples turning MIN_TURN degrees or
more are candidates; candidates closer than CLUSTER_M are one manoeuvre (a roundabout, a zig-zag,
GPS wiggle at a corner), whose angle is the net change between the road SETTLE_M before it and the
road SETTLE_M after it: a roundabout taken straight on nets about 0 and is dropped, an exit to
the left nets about -90 and is one "left" cue. Cues closer than MIN_APART_M to the start, the
finish or a segment's ends are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from routes import geo

STEP_M = 10.0
WINDOW_M = 50.0
MIN_TURN = 30.0
NET_MIN_TURN = 25.0
CLUSTER_M = 80.0
SETTLE_M = 60.0
MIN_APART_M = 50.0
POI_MAX_OFF_M = 200.0
MAX_TURNS = 2_000  # a 1,200 km brevet has ~600; beyond this only the sharpest are kept (bounds the sheet)


def kd_tree():
    """scipy's k-d tree, imported when first used: scipy.spatial costs ~0.15-0.3 s at import, paid by
    every process that loads the apps (gunicorn workers, Celery, manage.py, test subprocesses)."""
    from scipy.spatial import cKDTree  # noqa: PLC0415

    return cKDTree


@dataclass
class Turn:
    distance_m: float
    lat: float
    lon: float
    angle: float  # degrees, right positive
    kind: str  # see turn_kind()


def turn_kind(angle: float) -> str:
    side = "right" if angle > 0 else "left"
    size = abs(angle)
    if size >= 160:
        return "u_turn"
    if size < 45:
        return f"slight_{side}"
    if size >= 135:
        return f"sharp_{side}"
    return side


def _wrap(degrees: np.ndarray) -> np.ndarray:
    return (degrees + 180.0) % 360.0 - 180.0


@dataclass
class Resampled:
    distance: np.ndarray  # metres from the start of the route (across segments)
    lat: np.ndarray
    lon: np.ndarray
    x: np.ndarray
    y: np.ndarray


def resample(lat: np.ndarray, lon: np.ndarray, segment: slice, offset: float, step: float = STEP_M) -> Resampled:
    """One segment every `step` metres (the points themselves may be 1 m or 500 m apart)."""
    la, lo = lat[segment], lon[segment]
    cum = np.concatenate(([0.0], np.cumsum(geo.step_lengths(la, lo))))
    cum, first = np.unique(cum, return_index=True)
    la, lo = la[first], lo[first]
    grid = np.arange(0.0, cum[-1] + step / 2, step) if cum[-1] > 0 else np.zeros(1)
    rlat, rlon = np.interp(grid, cum, la), np.interp(grid, cum, lo)
    ref = math.radians(float(np.mean(la)))
    x = np.radians(rlon) * geo.WGS84_A * math.cos(ref)
    y = np.radians(rlat) * geo.WGS84_A
    return Resampled(distance=grid + offset, lat=rlat, lon=rlon, x=x, y=y)


def _bearings(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(x[b] - x[a], y[b] - y[a]))


def _segment_turns(r: Resampled) -> list[Turn]:
    n = len(r.x)
    w = int(WINDOW_M / STEP_M)
    if n < 2 * w + 1:
        return []
    i = np.arange(w, n - w)
    turn = _wrap(_bearings(r.x, r.y, i, i + w) - _bearings(r.x, r.y, i - w, i))
    candidates = i[np.abs(turn) >= MIN_TURN]
    if not len(candidates):
        return []
    gap = int(CLUSTER_M / STEP_M)
    breaks = np.nonzero(np.diff(candidates) > gap)[0]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(candidates) - 1]))
    settle = int(SETTLE_M / STEP_M)
    apart = int(MIN_APART_M / STEP_M)
    turns = []
    for s, e in zip(starts, ends):
        first, last = int(candidates[s]), int(candidates[e])
        before_a, before_b = max(0, first - w - settle), max(1, first - w)
        after_a, after_b = min(n - 2, last + w), min(n - 1, last + w + settle)
        if before_b <= before_a or after_b <= after_a:
            continue
        net = float(_wrap(_bearings(r.x, r.y, np.array([after_a]), np.array([after_b]))
                          - _bearings(r.x, r.y, np.array([before_a]), np.array([before_b])))[0])
        if abs(net) < NET_MIN_TURN:
            continue
        group = candidates[s:e + 1]
        at = int(group[np.argmax(np.abs(turn[group - w]))])
        if at < apart or at > n - 1 - apart:
            continue
        turns.append(Turn(distance_m=float(r.distance[at]), lat=float(r.lat[at]), lon=float(r.lon[at]), angle=net,
                          kind=turn_kind(net)))
    return turns


def detect(lat: np.ndarray, lon: np.ndarray, segments: list[slice]) -> tuple[list[Turn], list[Resampled]]:
    """The turns of a route, in order, and its resampled segments (for placing points on it)."""
    turns: list[Turn] = []
    parts: list[Resampled] = []
    offset = 0.0
    for segment in segments:
        if segment.stop - segment.start < 2:
            continue
        r = resample(lat, lon, segment, offset)
        parts.append(r)
        turns += _segment_turns(r)
        offset = float(r.distance[-1])
    if len(turns) > MAX_TURNS:
        sharpest = sorted(turns, key=lambda t: -abs(t.angle))[:MAX_TURNS]
        turns = sorted(sharpest, key=lambda t: t.distance_m)
    return turns, parts


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


# a chord on the unit sphere surely longer than POI_MAX_OFF_M anywhere on the ellipsoid (its smallest
# radius of curvature is 6,335 km), with room for the spacing of the samples
_SEARCH_CHORD = (POI_MAX_OFF_M + STEP_M) * 1.05 / 6_335_000
_CANDIDATES = 4


def along_many(parts: list[Resampled], lats: np.ndarray, lons: np.ndarray) -> list[tuple[float, float] | None]:
    """For each point, (distance from the start, metres off the line) of the nearest place on the
    route, or None when it lies farther than POI_MAX_OFF_M from the route.

    A k-d tree over the samples (unit vectors: no trouble at the date line or the poles) finds the
    few nearest within the search radius in O(log n); only those are measured on the ellipsoid. A
    thousand points of interest far from a 5,000 km route cost milliseconds, not a geodesic each
    against every sample."""
    if not parts or not len(lats):
        return [None] * len(lats)
    lat = np.concatenate([r.lat for r in parts])
    lon = np.concatenate([r.lon for r in parts])
    distance = np.concatenate([r.distance for r in parts])
    _, found = kd_tree()(_unit(lat, lon)).query(_unit(np.asarray(lats, float), np.asarray(lons, float)),
                                                k=_CANDIDATES, distance_upper_bound=_SEARCH_CHORD)
    out: list[tuple[float, float] | None] = []
    for i, row in enumerate(found):
        near = row[row < len(lat)]
        if not len(near):
            out.append(None)
            continue
        off = geo.distances_from(float(lats[i]), float(lons[i]), lat[near], lon[near])
        j = int(np.argmin(off))
        out.append((float(distance[near[j]]), float(off[j])) if off[j] <= POI_MAX_OFF_M else None)
    return out


def point_at(parts: list[Resampled], distance_m: float) -> tuple[float, float]:
    """The place on the route `distance_m` from its start (clamped to the route)."""
    for r in parts:
        if distance_m <= r.distance[-1]:
            return float(np.interp(distance_m, r.distance, r.lat)), float(np.interp(distance_m, r.distance, r.lon))
    last = parts[-1]
    return float(last.lat[-1]), float(last.lon[-1])
