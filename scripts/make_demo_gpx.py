"""Generate the demo GPX files in demo/gpx/ (deterministic: same output on every run).

The geometry is approximate: smooth synthetic lines placed where the real rides are (the
Qilihe greenway in Xingtai city, the Riding Taihang lines in the western mountains), with
plausible elevation and a little GPS-like noise. Run: python scripts/make_demo_gpx.py
"""

import math
import random
from itertools import pairwise
from pathlib import Path

import gpxpy.gpx

OUT = Path(__file__).resolve().parent.parent / "demo" / "gpx"
M_PER_DEG_LAT = 111_000.0


def _lon_scale(lat: float) -> float:
    return M_PER_DEG_LAT * math.cos(math.radians(lat))


def polyline(anchors: list[tuple[float, float]], step_m: float) -> list[tuple[float, float]]:
    """Points every ~step_m along straight legs between anchors, with gentle wiggles."""
    points = []
    for (lat1, lon1), (lat2, lon2) in pairwise(anchors):
        dy = (lat2 - lat1) * M_PER_DEG_LAT
        dx = (lon2 - lon1) * _lon_scale(lat1)
        n = max(2, int(math.hypot(dx, dy) / step_m))
        for i in range(n):
            t = i / n
            wiggle = 0.00025 * math.sin(t * math.pi * 3)
            points.append((lat1 + (lat2 - lat1) * t + wiggle, lon1 + (lon2 - lon1) * t - wiggle))
    points.append(anchors[-1])
    return points


def cumulative(points: list[tuple[float, float]]) -> list[float]:
    dist = [0.0]
    for (lat1, lon1), (lat2, lon2) in pairwise(points):
        dist.append(dist[-1] + math.hypot((lat2 - lat1) * M_PER_DEG_LAT, (lon2 - lon1) * _lon_scale(lat1)))
    return dist


def profile(dist: list[float], knots: list[tuple[float, float]]) -> list[float]:
    """Elevation by smooth (cosine) interpolation between (fraction of length, metres) knots."""
    total = dist[-1]
    out = []
    for d in dist:
        f = d / total
        for (f1, e1), (f2, e2) in pairwise(knots):
            if f1 <= f <= f2:
                t = (f - f1) / (f2 - f1) if f2 > f1 else 0.0
                out.append(e1 + (e2 - e1) * (1 - math.cos(math.pi * t)) / 2)
                break
    return out


def write(name: str, description: str, points, elevations, waypoints, seed: int) -> None:
    rng = random.Random(seed)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "xingtai-cycling demo generator (approximate geometry)"
    gpx.name = name
    gpx.description = description
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    for (lat, lon), ele in zip(points, elevations):
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                round(lat + rng.gauss(0, 0.000012), 6),
                round(lon + rng.gauss(0, 0.000012), 6),
                elevation=round(ele + rng.gauss(0, 1.5), 1),
            )
        )
    track.segments.append(segment)
    gpx.tracks.append(track)
    for lat, lon, wpt_name, kind in waypoints:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(lat, lon, name=wpt_name, type=kind))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.gpx").write_text(gpx.to_xml(version="1.1"), encoding="utf-8")


def main() -> None:
    # Qilihe greenway: east along the north bank, across, back west along the south bank.
    north = [(37.0480, 114.4550), (37.0462, 114.4800), (37.0440, 114.5050), (37.0418, 114.5300), (37.0402, 114.5520)]
    south = [(37.0388, 114.5530), (37.0400, 114.5300), (37.0420, 114.5050), (37.0443, 114.4800), (37.0465, 114.4550)]
    loop = polyline([*north, *south, north[0]], 25)
    dist = cumulative(loop)
    write(
        "qilihe-greenway",
        "七里河绿道环线（示意几何） / Qilihe greenway loop (approximate geometry)",
        loop,
        profile(dist, [(0, 68), (0.25, 66), (0.5, 62), (0.75, 65), (1, 68)]),
        [
            (37.0440, 114.5050, "七里河公园服务站", "water"),
            (37.0402, 114.5520, "东端观景台", "viewpoint"),
            (37.0420, 114.5050, "绿道维修点", "repair"),
        ],
        seed=1,
    )
    # Riding Taihang, Yingtan line: from the city's western edge up to the Yingtan stone village.
    yingtan = polyline(
        [(37.0600, 114.4200), (37.0700, 114.3300), (37.0900, 114.2300), (37.0800, 114.1500),
         (37.0950, 114.0700), (37.0750, 114.0000), (37.0700, 113.9500)],
        30,
    )
    dist = cumulative(yingtan)
    write(
        "taihang-yingtan",
        "骑行太行·英谈古寨线（示意几何） / Riding Taihang: Yingtan stone village line (approximate geometry)",
        yingtan,
        profile(dist, [(0, 95), (0.3, 190), (0.45, 330), (0.55, 300), (0.8, 620), (0.9, 560), (1, 690)]),
        [
            (37.0800, 114.1500, "路网补给点", "food"),
            (37.0950, 114.0700, "长下坡注意", "danger"),
            (37.0700, 113.9500, "英谈古寨", "viewpoint"),
        ],
        seed=2,
    )
    # Riding Taihang, Qiannanyu - Zijinshan line: north along the foothills through the hills.
    zijin = polyline(
        [(37.1300, 114.0300), (37.1700, 114.0600), (37.2100, 114.0400), (37.2500, 114.0900),
         (37.2900, 114.1200), (37.3300, 114.1000), (37.3600, 114.0500)],
        30,
    )
    dist = cumulative(zijin)
    write(
        "taihang-zijinshan",
        "骑行太行·前南峪—紫金山线（示意几何） / Riding Taihang: Qiannanyu to Zijinshan (approximate geometry)",
        zijin,
        profile(dist, [(0, 420), (0.2, 560), (0.35, 480), (0.55, 780), (0.7, 640), (0.9, 980), (1, 900)]),
        [
            (37.1300, 114.0300, "前南峪景区", "viewpoint"),
            (37.2500, 114.0900, "村口小卖部", "water"),
            (37.3600, 114.0500, "紫金山", "viewpoint"),
        ],
        seed=3,
    )


if __name__ == "__main__":
    main()
