"""Route geometry and statistics on the WGS-84 ellipsoid; numpy in, plain numbers out. No Django.

Methods (documented for riders and organizers in docs/routes.md):
- Distance: each step between consecutive points on the WGS-84 ellipsoid, from the local
  meridional (M) and prime-vertical (N) radii of curvature at the step's mid-latitude; steps
  longer than LONG_STEP_M go through Karney's exact geodesic (geographiclib), at most
  EXACT_MAX_PAIRS a call (a line within the length budget has fewer); beyond that, Lambert's
  formula for long lines, vectorised (within 0.003%). Gaps between segments are not counted.
- Elevation, its repair and climbs: routes/elevation.py.
- Difficulty: effort = distance (km) + gain (m) / 10, graded 1 to 5.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
from geographiclib.geodesic import Geodesic

from routes.elevation import Climb, Elevation, elevation_stats

WGS84_A = 6378137.0


WGS84_F = 1 / 298.257223563


WGS84_E2 = WGS84_F * (2 - WGS84_F)


LONG_STEP_M = 20_000.0


EXACT_MAX_PAIRS = 256  # Karney's exact geodesic (a Python call each) for up to this many far pairs a call


LOOP_MAX_GAP_M = 500.0


DIFFICULTY_GRADES = [(30, 1), (60, 2), (100, 3), (150, 4)]  # effort below the bound -> grade; else 5


def _distances(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Metres between paired points: local radii of curvature at the mid-latitude, and the exact
    geodesic (geographiclib) for pairs farther apart than LONG_STEP_M."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = (np.radians(lon2 - lon1) + math.pi) % (2 * math.pi) - math.pi
    mid = phi1 + dphi / 2
    w = np.sqrt(1 - WGS84_E2 * np.sin(mid) ** 2)
    meridional = WGS84_A * (1 - WGS84_E2) / w**3
    prime_vertical = WGS84_A / w
    out = np.hypot(meridional * dphi, prime_vertical * np.cos(mid) * dlam)
    far = np.nonzero(out > LONG_STEP_M)[0]
    if len(far) > EXACT_MAX_PAIRS:
        # many far pairs (points far from a privacy zone or a place): the vectorised
        # Andoyer-Lambert distance, within a few metres over thousands of km; exactness there
        # never changes an answer
        out[far] = _andoyer_lambert(lat1[far], lon1[far], lat2[far], lon2[far])
        return out
    for i in far:
        out[i] = Geodesic.WGS84.Inverse(float(lat1[i]), float(lon1[i]), float(lat2[i]), float(lon2[i]),
                                        Geodesic.DISTANCE)["s12"]
    return out


def _andoyer_lambert(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Metres on the WGS-84 ellipsoid by Lambert's formula for long lines (numpy: one pass for any
    number of pairs); the great circle on reduced latitudes, corrected to first order in f."""
    b1 = np.arctan((1 - WGS84_F) * np.tan(np.radians(lat1)))
    b2 = np.arctan((1 - WGS84_F) * np.tan(np.radians(lat2)))
    dlam = np.radians(lon2 - lon1)
    h = np.sin((b2 - b1) / 2) ** 2 + np.cos(b1) * np.cos(b2) * np.sin(dlam / 2) ** 2
    sigma = 2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    p, q = (b1 + b2) / 2, (b2 - b1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - np.sin(sigma)) * np.sin(p) ** 2 * np.cos(q) ** 2 / np.cos(sigma / 2) ** 2
        y = (sigma + np.sin(sigma)) * np.cos(p) ** 2 * np.sin(q) ** 2 / np.sin(sigma / 2) ** 2
        d = WGS84_A * (sigma - WGS84_F / 2 * (x + y))
    return np.where(np.isfinite(d), d, WGS84_A * sigma)  # (near-)antipodal pairs: the great circle


def step_lengths(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Metres between consecutive points (len n-1) on the WGS-84 ellipsoid."""
    if len(lat) < 2:
        return np.zeros(0)
    return _distances(lat[:-1], lon[:-1], lat[1:], lon[1:])


def distances_from(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Metres from one point to many on the WGS-84 ellipsoid."""
    return _distances(np.full(len(lats), lat), np.full(len(lons), lon), lats, lons)


def geodesic_distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]


@dataclass
class RouteStats:
    distance_m: float
    points: int
    segments: int
    has_elevation: bool
    elevation_gain_m: float | None = None
    elevation_loss_m: float | None = None
    min_elevation_m: float | None = None
    max_elevation_m: float | None = None
    max_gradient: float | None = None
    avg_climb_gradient: float | None = None
    is_loop: bool = False
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # min lat, min lon, max lat, max lon
    start: tuple[float, float] = (0.0, 0.0)
    finish: tuple[float, float] = (0.0, 0.0)
    climbs: list[Climb] = field(default_factory=list)
    difficulty: int = 1
    line: list[list[list[float]]] = field(default_factory=list)  # segments of [lat, lon]
    profile: list[list[float]] = field(default_factory=list)  # [km, metres]
    elevation_quality: str = ""  # Quality.*; "" without elevation
    elevation_changed_share: float = 0.0  # share of the line whose heights the repair changed

    def add_elevation(self, elevation: Elevation | None) -> None:
        """The elevation figures (routes/elevation.py), when the route has believable heights."""
        if elevation is None:
            return
        self.has_elevation = True
        self.elevation_gain_m, self.elevation_loss_m = elevation.gain_m, elevation.loss_m
        self.min_elevation_m, self.max_elevation_m = elevation.min_m, elevation.max_m
        self.max_gradient, self.avg_climb_gradient = elevation.max_gradient, elevation.avg_climb_gradient
        self.climbs, self.profile = elevation.climbs, elevation.profile
        self.elevation_quality, self.elevation_changed_share = elevation.quality, elevation.changed_share


def difficulty_grade(distance_km: float, gain_m: float) -> int:
    effort = distance_km + gain_m / 10.0
    for bound, grade in DIFFICULTY_GRADES:
        if effort < bound:
            return grade
    return 5


def riding_time_hours(distance_m: float, gain_m: float | None, speed_kmh: float) -> float:
    """Estimated time at an average flat speed; every 100 m of climbing costs about 1 km more."""
    return (distance_m / 1000.0 + (gain_m or 0.0) / 100.0) / speed_kmh


_SMALL_SPAN = 48  # below this many points plain Python beats numpy's per-call overhead


def _farthest(x: np.ndarray, y: np.ndarray, first: int, last: int, xs: list, ys: list) -> tuple[float, int]:
    """The point between first and last farthest from the chord, and its distance."""
    if last - first < 2:
        return 0.0, -1
    dx, dy = xs[last] - xs[first], ys[last] - ys[first]
    norm = math.hypot(dx, dy)
    if last - first < _SMALL_SPAN:
        x0, y0, best, at = xs[first], ys[first], -1.0, -1
        for i in range(first + 1, last):
            d = (abs(dy * (xs[i] - x0) - dx * (ys[i] - y0)) / norm if norm
                 else math.hypot(xs[i] - x0, ys[i] - y0))
            if d > best:
                best, at = d, i
        return best, at
    px, py = x[first + 1:last], y[first + 1:last]
    if norm == 0:
        dist = np.hypot(px - xs[first], py - ys[first])
    else:
        dist = np.abs(dy * (px - xs[first]) - dx * (py - ys[first])) / norm
    i = int(np.argmax(dist))
    return float(dist[i]), first + 1 + i


def simplify_mask(lat: np.ndarray, lon: np.ndarray, segments: list[slice], max_points: int,
                  tolerance_m: float = 2.0) -> np.ndarray:
    """Douglas-Peucker, splitting the worst-fitting span first (a heap), so it stops at max_points
    or when no point is farther than tolerance_m from the line: about max_points iterations."""
    ref_lat = math.radians(float(np.mean(lat)))
    x = np.radians(lon) * WGS84_A * math.cos(ref_lat)
    y = np.radians(lat) * WGS84_A
    xs, ys = x.tolist(), y.tolist()
    keep = np.zeros(len(lat), dtype=bool)
    heap: list[tuple[float, int, int, int]] = []
    for sl in segments:
        first, last = sl.start, sl.stop - 1
        keep[first] = keep[last] = True
        dist, at = _farthest(x, y, first, last, xs, ys)
        if at >= 0:
            heapq.heappush(heap, (-dist, first, last, at))
    kept = int(keep.sum())
    while heap and kept < max_points:
        negative, first, last, at = heapq.heappop(heap)
        if -negative <= tolerance_m:
            break
        keep[at] = True
        kept += 1
        for a, b in ((first, at), (at, last)):
            dist, split = _farthest(x, y, a, b, xs, ys)
            if split >= 0:
                heapq.heappush(heap, (-dist, a, b, split))
    return keep


def simplify(lat: np.ndarray, lon: np.ndarray, segments: list[slice], max_points: int,
             tolerance_m: float = 2.0) -> list[list[list[float]]]:
    """The kept points of simplify_mask as [lat, lon] lists per segment. A piece of one point (a lone
    fix between two gaps) is no line to draw and is left out, unless it is all there is."""
    keep = simplify_mask(lat, lon, segments, max_points, tolerance_m)
    lines = [[[round(float(lat[i]), 6), round(float(lon[i]), 6)] for i in np.nonzero(keep[sl])[0] + sl.start]
             for sl in segments]
    drawn = [line for line in lines if len(line) > 1]
    return drawn or lines


def compute(lat: np.ndarray, lon: np.ndarray, ele: np.ndarray, segments: list[slice], *,
            max_line_points: int = 1500, max_profile_samples: int = 500) -> RouteStats:
    """Every statistic of a route, once, from its points."""
    steps_per_segment = [step_lengths(lat[sl], lon[sl]) for sl in segments]
    distance = float(sum(float(s.sum()) for s in steps_per_segment))
    bbox = (float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max()))
    start = (float(lat[0]), float(lon[0]))
    finish = (float(lat[-1]), float(lon[-1]))
    stats = RouteStats(
        distance_m=distance, points=len(lat), segments=len(segments), has_elevation=False, bbox=bbox,
        start=start, finish=finish,
        is_loop=distance > 0 and geodesic_distance(*start, *finish) <= min(LOOP_MAX_GAP_M, 0.05 * distance),
        line=simplify(lat, lon, segments, max_line_points),
    )
    stats.add_elevation(elevation_stats(along_route(steps_per_segment), [ele[sl] for sl in segments],
                                        max_profile_samples))
    stats.difficulty = difficulty_grade(distance / 1000, stats.elevation_gain_m or 0.0)
    return stats


def elevation_only(lat: np.ndarray, lon: np.ndarray, ele: np.ndarray, segments: list[slice]) -> RouteStats:
    """The elevation statistics alone (for recorded heights kept beside a terrain model's)."""
    stats = RouteStats(distance_m=0.0, points=len(lat), segments=len(segments), has_elevation=False)
    stats.add_elevation(elevation_stats(along_route([step_lengths(lat[sl], lon[sl]) for sl in segments]),
                                        [ele[sl] for sl in segments]))
    return stats


def along_route(steps_per_segment: list[np.ndarray]) -> list[np.ndarray]:
    """Distance from the start at every point, per segment; it runs on across segment gaps, which
    are not counted."""
    parts, offset = [], 0.0
    for steps in steps_per_segment:
        cum = offset + np.concatenate(([0.0], np.cumsum(steps)))
        parts.append(cum)
        offset = float(cum[-1])
    return parts
