"""Heights from a terrain model: SRTM `.hgt` tiles in one folder, sampled bilinearly. No Django.

A tile is named after its south-west corner (N36E113.hgt covers 36..37 N, 113..114 E) and holds
big-endian signed 16-bit metres on a square grid: 3601 x 3601 samples (1 arc-second) or
1201 x 1201 (3 arc-seconds), rows from north to south, -32768 where the radar saw nothing.
Tiles are memory-mapped, so a route touches only the pages it needs.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

VOID = -32768
SIZES = {3601 * 3601 * 2: 3601, 1201 * 1201 * 2: 1201}


def tile_name(lat_floor: int, lon_floor: int) -> str:
    ns = "N" if lat_floor >= 0 else "S"
    ew = "E" if lon_floor >= 0 else "W"
    return f"{ns}{abs(lat_floor):02d}{ew}{abs(lon_floor):03d}.hgt"


@lru_cache(maxsize=32)
def _tile(folder: str, lat_floor: int, lon_floor: int) -> np.ndarray | None:
    path = Path(folder) / tile_name(lat_floor, lon_floor)
    if not path.is_file():
        return None
    side = SIZES.get(path.stat().st_size)
    if side is None:
        return None  # not an SRTM tile: ignored rather than misread
    return np.memmap(path, dtype=">i2", mode="r", shape=(side, side))


def sample(lat: np.ndarray, lon: np.ndarray, folder: str) -> np.ndarray:
    """Heights at the points (NaN where no tile covers a point or the tile has a void there)."""
    out = np.full(len(lat), np.nan)
    lat_floor = np.floor(lat).astype(int)
    lon_floor = np.floor(lon).astype(int)
    keys = np.unique(np.stack([lat_floor, lon_floor], axis=1), axis=0) if len(lat) else []
    for la, lo in keys:
        tile = _tile(folder, int(la), int(lo))
        if tile is None:
            continue
        at = np.nonzero((lat_floor == la) & (lon_floor == lo))[0]
        side = tile.shape[0] - 1
        row = (la + 1 - lat[at]) * side  # rows run from the north edge
        col = (lon[at] - lo) * side
        r0 = np.clip(np.floor(row).astype(int), 0, side - 1)
        c0 = np.clip(np.floor(col).astype(int), 0, side - 1)
        fr, fc = row - r0, col - c0
        corners = [np.asarray(tile[r0 + dr, c0 + dc], dtype=np.float64) for dr in (0, 1) for dc in (0, 1)]
        void = np.zeros(len(at), dtype=bool)
        for corner in corners:
            void |= corner == VOID
        top = corners[0] * (1 - fc) + corners[1] * fc
        bottom = corners[2] * (1 - fc) + corners[3] * fc
        values = top * (1 - fr) + bottom * fr
        values[void] = np.nan
        out[at] = values
    return out


def covers(lat: np.ndarray, lon: np.ndarray, folder: str) -> float:
    """Share of points a tile in the folder covers with a height (0..1)."""
    if not len(lat):
        return 0.0
    return float(np.isfinite(sample(lat, lon, folder)).mean())


def tiles_for(min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> list[str]:
    """The tile names covering a box (for the docs and the operator's download list)."""
    return [tile_name(la, lo) for la in range(math.floor(min_lat), math.floor(max_lat) + 1)
            for lo in range(math.floor(min_lon), math.floor(max_lon) + 1)]
