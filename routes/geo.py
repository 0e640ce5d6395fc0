"""Route geometry and statistics on the WGS-84 ellipsoid; numpy in, plain numbers out. No Django.

Methods (documented for riders and organizers in docs/routes.md):
- Distance: each step between consecutive points on the WGS-84 ellipsoid, from the local
  meridional (M) and prime-vertical (N) radii of curvature at the step's mid-latitude; steps
  longer than LONG_STEP_M go through Karney's exact geodesic (geographiclib), at most
  EXACT_MAX_PAIRS a call (a line within the length budget has fewer); beyond that, Lambert's
  formula for long lines, vectorised (within 0.003%). Gaps between segments are not counted.
- Elevation: resampled every GRID_M metres along the line, smoothed with a SMOOTH_M moving
  average, then counted with a HYSTERESIS_M dead band (a rise or fall counts only once it
  exceeds the band from the last turning point), which removes GPS and barometer noise.
- Climbs: rises of at least CLIMB_MIN_GAIN_M and CLIMB_MIN_LENGTH_M at CLIMB_MIN_GRADE % or
  more; category by score = length (m) x average gradient (%), as in docs/routes.md.
- Difficulty: effort = distance (km) + gain (m) / 10, graded 1 to 5.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
from geographiclib.geodesic import Geodesic
from scipy.ndimage import median_filter

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)
LONG_STEP_M = 20_000.0
EXACT_MAX_PAIRS = 256  # Karney's exact geodesic (a Python call each) for up to this many far pairs a call

GRID_M = 10.0
SMOOTH_M = 100.0
HYSTERESIS_M = 4.0
GRADIENT_WINDOW_M = 100.0
CLIMB_MIN_GAIN_M = 20.0
CLIMB_MIN_LENGTH_M = 500.0
CLIMB_MIN_GRADE = 3.0
CLIMB_MERGE_DROP_M = 10.0
LOOP_MAX_GAP_M = 500.0

# (minimum score = length m x average gradient %, category), hardest first
CLIMB_CATEGORIES = [(80_000, "HC"), (64_000, "1"), (32_000, "2"), (16_000, "3"), (8_000, "4")]
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
class Climb:
    start_km: float
    end_km: float
    gain_m: float
    length_m: float
    avg_gradient: float
    max_gradient: float
    category: str  # "HC", "1".."4" or "" (uncategorised)

    def as_dict(self) -> dict:
        return {
            "start_km": round(self.start_km, 3), "end_km": round(self.end_km, 3), "gain_m": round(self.gain_m, 1),
            "length_m": round(self.length_m, 1), "avg_gradient": round(self.avg_gradient, 2),
            "max_gradient": round(self.max_gradient, 2), "category": self.category,
        }


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


def hysteresis_gain_loss(values: np.ndarray, band: float) -> tuple[float, float, list[tuple[int, int]]]:
    """Gain and loss counting only moves larger than `band`, and the rising runs (start, end index).

    A rise starts at the last point of the valley floor and ends at the first point of the top,
    so flat approaches and plateaus do not dilute a climb's gradient.
    """
    if len(values) < 2:
        return 0.0, 0.0, []
    # Only turning points (where the slope's sign changes, flats included) can become a valley,
    # peak or floor end: the Python loop below runs over those, not over every sample.
    slope = np.sign(np.diff(values))
    turning = np.concatenate(([0], np.nonzero(slope[1:] != slope[:-1])[0] + 1, [len(values) - 1]))
    gain, loss, rises = _hysteresis(values[turning].tolist(), band)
    return gain, loss, [(int(turning[a]), int(turning[b])) for a, b in rises]


def _hysteresis(values: list[float], band: float) -> tuple[float, float, list[tuple[int, int]]]:
    gain = loss = 0.0
    rises: list[tuple[int, int]] = []
    low_i = high_i = 0
    low = high = values[0]
    direction = 0  # +1 rising (low is the anchor), -1 falling (high is the anchor), 0 undecided
    for i in range(1, len(values)):
        v = values[i]
        if direction == 0:
            if v <= low:
                low_i, low = i, v
            if v > high:
                high_i, high = i, v
            if high - low > band:
                direction = 1 if high_i > low_i else -1
        elif direction == 1:
            if v > high:
                high_i, high = i, v
            elif high - v > band:
                gain += high - low
                rises.append((low_i, high_i))
                direction, low_i, low = -1, i, v
        else:
            if v <= low:
                low_i, low = i, v
            elif v - low > band:
                loss += high - low
                direction, high_i, high = 1, i, v
    if direction == 1:
        gain += high - low
        rises.append((low_i, high_i))
    elif direction == -1:
        loss += high - low
    return gain, loss, rises


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or len(values) < 3:
        return values
    width = min(width, len(values) if len(values) % 2 else len(values) - 1)
    pad = width // 2
    padded = np.pad(values, pad, mode="edge")
    kernel = np.ones(width) / width
    return np.convolve(padded, kernel, mode="valid")


def _categorise(length_m: float, avg_gradient: float) -> str:
    score = length_m * avg_gradient
    for threshold, category in CLIMB_CATEGORIES:
        if score >= threshold:
            return category
    return ""


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
    elevation_stats(stats, along_route(steps_per_segment), [ele[sl] for sl in segments], max_profile_samples)
    stats.difficulty = difficulty_grade(distance / 1000, stats.elevation_gain_m or 0.0)
    return stats


def elevation_only(lat: np.ndarray, lon: np.ndarray, ele: np.ndarray, segments: list[slice]) -> RouteStats:
    """The elevation statistics alone (for recorded heights kept beside a terrain model's)."""
    stats = RouteStats(distance_m=0.0, points=len(lat), segments=len(segments), has_elevation=False)
    elevation_stats(stats, along_route([step_lengths(lat[sl], lon[sl]) for sl in segments]),
                    [ele[sl] for sl in segments])
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


# Elevation repair (docs/routes.md): heights outside BELIEVABLE_M are dropped; spikes (farther than
# SPIKE_M and SPIKE_MADS robust deviations from the median of HAMPEL_M around them) are replaced
# by that median; steps steeper than MAX_GRADE over one GRID_M are limited to it. Only a profile
# that needs it is touched; one where more than UNRELIABLE_SHARE of the line had to change is
# flagged unreliable.
BELIEVABLE_M = (-50.0, 9000.0)
MAX_GRADE = 30.0
HAMPEL_M = 300.0
SPIKE_M = 20.0
SPIKE_MADS = 4.0
CHANGED_M = 5.0
UNRELIABLE_SHARE = 0.10


class Quality:
    GOOD, REPAIRED, UNRELIABLE = "good", "repaired", "unreliable"


def _rolling_median(values: np.ndarray, width: int) -> np.ndarray:
    return median_filter(values, size=width, mode="nearest")


def _max_grade(values: np.ndarray) -> float:
    window = int(GRADIENT_WINDOW_M / GRID_M)
    smooth = _moving_average(values, int(SMOOTH_M / GRID_M) | 1)
    if len(smooth) <= window:
        return 0.0
    return float(np.abs(smooth[window:] - smooth[:-window]).max() / GRADIENT_WINDOW_M * 100)


def repair_profile(values: np.ndarray, dropped: int = 0) -> tuple[np.ndarray, str, float]:
    """(heights, quality, share of the line changed) for heights every GRID_M along a line."""
    width = int(HAMPEL_M / GRID_M) | 1
    median = _rolling_median(values, width)
    deviation = np.abs(values - median)
    mad = _rolling_median(deviation, width) * 1.4826
    spikes = deviation > np.maximum(SPIKE_MADS * mad, SPIKE_M)
    if not spikes.any() and not dropped and _max_grade(values) <= MAX_GRADE:
        return values, Quality.GOOD, 0.0
    fixed = np.where(spikes, median, values)
    limit = MAX_GRADE / 100 * GRID_M
    steps = np.clip(np.diff(fixed), -limit, limit)
    limited = fixed[0] + np.concatenate(([0.0], np.cumsum(steps)))
    # the limited line keeps the median level of the recorded one (a step is removed, not carried on)
    limited += float(np.median(fixed - limited))
    limited = np.clip(limited, *BELIEVABLE_M)
    changed = float(np.mean(np.abs(limited - values) > CHANGED_M))
    return limited, (Quality.UNRELIABLE if changed > UNRELIABLE_SHARE else Quality.REPAIRED), changed


def elevation_stats(stats: RouteStats, cumulative: list[np.ndarray], heights: list[np.ndarray],
                    max_samples: int = 500) -> None:
    """Gain, loss, extremes, steepest 100 m, climbs, profile and quality, segment by segment (no
    grade across the gap between two segments), after repairing heights that need it."""
    grids, smooths, qualities, changed_total, samples = [], [], [], 0.0, 0
    gain = loss = 0.0
    climbs: list[Climb] = []
    max_gradient = None
    window = int(GRADIENT_WINDOW_M / GRID_M)
    for dist, ele in zip(cumulative, heights):
        believable = np.isfinite(ele) & (ele >= BELIEVABLE_M[0]) & (ele <= BELIEVABLE_M[1])
        dropped = int(np.isfinite(ele).sum() - believable.sum())
        if believable.sum() < 2:
            continue
        d, unique_at = np.unique(dist[believable], return_index=True)  # repeated positions break interp
        if len(d) < 2 or d[-1] - d[0] < GRID_M * 2:
            continue
        grid = np.arange(d[0], d[-1] + GRID_M / 2, GRID_M)
        repaired, quality, changed = repair_profile(np.interp(grid, d, ele[believable][unique_at]), dropped)
        smooth = _moving_average(repaired, int(SMOOTH_M / GRID_M) | 1)
        part_gain, part_loss, rises = hysteresis_gain_loss(smooth, HYSTERESIS_M)
        gain, loss = gain + part_gain, loss + part_loss
        gradients = (smooth[window:] - smooth[:-window]) / GRADIENT_WINDOW_M * 100 if len(smooth) > window else None
        if gradients is not None:
            max_gradient = max(max_gradient or 0.0, float(gradients.max()))
        climbs += _climbs(grid, smooth, rises, gradients, window)
        grids.append(grid)
        smooths.append(smooth)
        qualities.append(quality)
        changed_total += changed * len(grid)
        samples += len(grid)
    if not grids:
        return
    stats.has_elevation = True
    share = changed_total / samples
    stats.elevation_quality = (Quality.UNRELIABLE if share > UNRELIABLE_SHARE
                               else Quality.GOOD if all(q == Quality.GOOD for q in qualities) else Quality.REPAIRED)
    stats.elevation_changed_share = round(share, 4)
    stats.elevation_gain_m = round(gain, 1)
    stats.elevation_loss_m = round(loss, 1)
    all_smooth = np.concatenate(smooths)
    all_grid = np.concatenate(grids)
    stats.min_elevation_m = round(float(all_smooth.min()), 1)
    stats.max_elevation_m = round(float(all_smooth.max()), 1)
    stats.max_gradient = round(max_gradient, 1) if max_gradient is not None else 0.0
    stats.climbs = climbs
    if climbs:
        total_length = sum(c.length_m for c in climbs)
        stats.avg_climb_gradient = round(sum(c.gain_m for c in climbs) / total_length * 100, 1)
    step = max(1, math.ceil(len(all_grid) / max_samples))
    picks = np.unique(np.concatenate((np.arange(0, len(all_grid), step), [len(all_grid) - 1])))
    stats.profile = [[round(float(all_grid[i]) / 1000, 3), round(float(all_smooth[i]), 1)] for i in picks]


def _climbs(grid, smooth, rises, gradients, window) -> list[Climb]:
    merged: list[list[int]] = []
    for a, b in rises:  # join rises separated only by a small dip
        if merged and smooth[merged[-1][1]] - smooth[a] < CLIMB_MERGE_DROP_M and smooth[b] > smooth[merged[-1][1]]:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    climbs = []
    for a, b in merged:
        gain = float(smooth[b] - smooth[a])
        length = float(grid[b] - grid[a])
        if length <= 0:
            continue
        grade = gain / length * 100
        if gain < CLIMB_MIN_GAIN_M or length < CLIMB_MIN_LENGTH_M or grade < CLIMB_MIN_GRADE:
            continue
        inside = gradients[a:max(a + 1, b - window + 1)] if gradients is not None and len(gradients) else np.zeros(1)
        climbs.append(Climb(
            start_km=float(grid[a]) / 1000, end_km=float(grid[b]) / 1000, gain_m=gain, length_m=length,
            avg_gradient=grade, max_gradient=float(inside.max()) if len(inside) else grade,
            category=_categorise(length, grade),
        ))
    return climbs
