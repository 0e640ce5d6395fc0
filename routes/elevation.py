"""A route's elevation from its recorded heights; numpy in, plain numbers out. No Django.

Methods (documented for riders and organizers in docs/routes.md):
- Repair: heights outside BELIEVABLE_M are dropped; spikes (farther than SPIKE_M and SPIKE_MADS
  robust deviations from the median of HAMPEL_M around them) are replaced by that median; steps
  steeper than MAX_GRADE over one GRID_M are limited to it. Only a profile that needs it is
  touched; one where more than UNRELIABLE_SHARE of the line had to change is flagged unreliable.
- Gain and loss: resampled every GRID_M metres along the line, smoothed with a SMOOTH_M moving
  average, then counted with a HYSTERESIS_M dead band (a rise or fall counts only once it
  exceeds the band from the last turning point), which removes GPS and barometer noise.
- Climbs: rises of at least CLIMB_MIN_GAIN_M and CLIMB_MIN_LENGTH_M at CLIMB_MIN_GRADE % or
  more; category by score = length (m) x average gradient (%), as in docs/routes.md."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

GRID_M = 10.0


SMOOTH_M = 100.0


HYSTERESIS_M = 4.0


GRADIENT_WINDOW_M = 100.0


CLIMB_MIN_GAIN_M = 20.0


CLIMB_MIN_LENGTH_M = 500.0


CLIMB_MIN_GRADE = 3.0


CLIMB_MERGE_DROP_M = 10.0


# (minimum score = length m x average gradient %, category), hardest first
CLIMB_CATEGORIES = [(80_000, "HC"), (64_000, "1"), (32_000, "2"), (16_000, "3"), (8_000, "4")]


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
    # (imported here: scipy.ndimage costs ~0.2 s at import, paid by every process that loads the
    # apps - gunicorn workers, Celery, manage.py, each test subprocess - most of which never repair
    # an elevation profile)
    from scipy.ndimage import median_filter  # noqa: PLC0415

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


@dataclass
class Elevation:
    """A route's elevation figures (RouteStats.add_elevation copies them)."""

    gain_m: float
    loss_m: float
    min_m: float
    max_m: float
    max_gradient: float
    avg_climb_gradient: float | None
    climbs: list[Climb] = field(default_factory=list)
    profile: list[list[float]] = field(default_factory=list)  # [km, metres]
    quality: str = ""  # Quality.*
    changed_share: float = 0.0  # share of the line whose heights the repair changed


def elevation_stats(cumulative: list[np.ndarray], heights: list[np.ndarray],
                    max_samples: int = 500) -> Elevation | None:
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
        return None
    share = changed_total / samples
    all_smooth = np.concatenate(smooths)
    all_grid = np.concatenate(grids)
    step = max(1, math.ceil(len(all_grid) / max_samples))
    picks = np.unique(np.concatenate((np.arange(0, len(all_grid), step), [len(all_grid) - 1])))
    total_length = sum(c.length_m for c in climbs)
    return Elevation(
        gain_m=round(gain, 1), loss_m=round(loss, 1),
        min_m=round(float(all_smooth.min()), 1), max_m=round(float(all_smooth.max()), 1),
        max_gradient=round(max_gradient, 1) if max_gradient is not None else 0.0,
        avg_climb_gradient=round(sum(c.gain_m for c in climbs) / total_length * 100, 1) if climbs else None,
        climbs=climbs,
        profile=[[round(float(all_grid[i]) / 1000, 3), round(float(all_smooth[i]), 1)] for i in picks],
        quality=(Quality.UNRELIABLE if share > UNRELIABLE_SHARE
                 else Quality.GOOD if all(q == Quality.GOOD for q in qualities) else Quality.REPAIRED),
        changed_share=round(share, 4),
    )


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
