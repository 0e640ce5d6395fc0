"""What every route file becomes, whatever its format (GPX, FIT, TCX): a ParsedTrack of numpy
arrays with its segments and waypoints; the error a refused file raises; the checks on
coordinates, elevations and times the readers share; where a track jumps (a new segment).

No Django here."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np


class GpxError(Exception):
    """A file we refuse; `code` names the problem, `params` fill the user-facing message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class Waypoint:
    lat: float
    lon: float
    name: str = ""
    kind: str = ""  # the <type> or <sym> text as written in the file
    description: str = ""


@dataclass
class ParsedTrack:
    lat: np.ndarray
    lon: np.ndarray
    ele: np.ndarray  # NaN where a point has no elevation
    segment_starts: list[int]  # index of the first point of each non-empty segment
    source: str  # "track" or "route"
    waypoints: list[Waypoint] = field(default_factory=list)
    name: str = ""
    description: str = ""
    times: np.ndarray | None = None  # seconds since the epoch, NaN where a point has none; read on request
    kind: str = "gpx"  # the file format: gpx, fit or tcx

    @property
    def points(self) -> int:
        return len(self.lat)

    def segments(self) -> list[slice]:
        bounds = [*self.segment_starts, len(self.lat)]
        return [slice(a, b) for a, b in pairwise(bounds) if b > a]


def _numbers(texts: list[str | None], code: str) -> np.ndarray:
    """Strings to float64 at C speed; a bad one is reported with its value."""
    try:
        return np.array(texts, dtype=np.float64)
    except (TypeError, ValueError):
        for text in texts:
            try:
                float(text)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise GpxError(code, lat=str(text)[:30], lon="") from None
        raise


def elevations(texts: list[str | None]) -> np.ndarray:
    try:
        ele = np.array([t if t else "nan" for t in texts], dtype=np.float64)
    except ValueError:  # a broken <ele> loses the elevation of that point, not the file
        ele = np.array([_float_or_nan(t) for t in texts], dtype=np.float64)
    ele[(ele <= -1000) | (ele >= 10000)] = np.nan
    return ele


def _float_or_nan(text: str | None) -> float:
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan


class Points:
    def __init__(self) -> None:
        self.lat: list[str | None] = []
        self.lon: list[str | None] = []
        self.ele: list[str | None] = []
        self.time: list[str | None] = []
        self.ends: list[int] = []  # index after the last point of each segment


def coordinates(points: Points) -> tuple[np.ndarray, np.ndarray]:
    if any(v is None for v in points.lat) or any(v is None for v in points.lon):
        raise GpxError("missing_coordinate")
    lat = _numbers(points.lat, "bad_coordinate")
    lon = _numbers(points.lon, "bad_coordinate")
    finite = np.isfinite(lat) & np.isfinite(lon)
    if not finite.all():
        i = int(np.argmin(finite))
        raise GpxError("bad_coordinate", lat=points.lat[i], lon=points.lon[i])
    inside = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not inside.all():
        i = int(np.argmin(inside))
        raise GpxError("coordinate_out_of_range", lat=points.lat[i], lon=points.lon[i])
    return lat, lon


def iso_times(texts: list[str | None]) -> np.ndarray:
    """ISO 8601 times (Z or an offset) as seconds since the epoch; NaN where missing or unreadable."""
    out = np.full(len(texts), np.nan)
    for i, text in enumerate(texts):
        if not text:
            continue
        try:
            moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        out[i] = moment.timestamp()
    return out


MAX_WAYPOINTS = 2_000  # a route's own points of interest; real files carry tens to a few hundred


SPLIT_GAP_M = 1000.0  # a step longer than this (and GAP_FACTOR x the median step) starts a new segment


GAP_FACTOR = 20.0


def gap_starts(lat: np.ndarray, lon: np.ndarray, gap_m: float = SPLIT_GAP_M) -> list[int]:
    """Indexes of the points that start a new piece of the line: a step longer than gap_m and
    GAP_FACTOR times the line's median step is a gap in the recording (a lost signal, a train, a
    12,500 km jump in an edited file), never a distance ridden. A sparse line (a planner's export,
    a point every few km) keeps its long steps: they are its ordinary ones. Great-circle steps,
    numpy, O(n)."""
    if len(lat) < 2:
        return []
    a, b = np.radians(lat), np.radians(lon)
    h = np.sin(np.diff(a) / 2) ** 2 + np.cos(a[:-1]) * np.cos(a[1:]) * np.sin(np.diff(b) / 2) ** 2
    steps = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    limit = max(gap_m, GAP_FACTOR * float(np.median(steps)))
    return (np.nonzero(steps > limit)[0] + 1).tolist()
