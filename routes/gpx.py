"""Streaming, defused GPX reader: points, segments and waypoints into a ParsedTrack
(routes/track.py), through the XML guards of routes/safexml.py (docs/routes.md, the budget).

No Django here. gpxpy 1.6.2 is not used to read: its xmlns regex is quadratic on crafted input."""

from __future__ import annotations

import math
from xml.etree import ElementTree as ET

from routes.safexml import check_prolog, collector_paused, element_budget, ended, xml_input, xml_refusal
from routes.track import (
    MAX_WAYPOINTS,
    GpxError,
    ParsedTrack,
    Points,
    Waypoint,
    coordinates,
    elevations,
    gap_starts,
    iso_times,
)


def _walk(xml: bytes, ns: str, max_points: int, with_times: bool,
          max_waypoints: int) -> tuple[Points, Points, list[Waypoint], str, str]:
    """Stream the document, keeping only points and waypoints (routes/gpx.ended bounds the rest)."""
    trkpt, trkseg, rtept, rte, wpt = (f"{ns}{t}" for t in ("trkpt", "trkseg", "rtept", "rte", "wpt"))
    ele_tag, name_tag, desc_tag, type_tag, sym_tag, time_tag = (
        f"{ns}{t}" for t in ("ele", "name", "desc", "type", "sym", "time"))
    metadata, root = f"{ns}metadata", f"{ns}gpx"
    point_reads = frozenset({ele_tag, time_tag})
    named = frozenset({name_tag, desc_tag})
    keep = {trkpt: point_reads, rtept: point_reads, wpt: frozenset({name_tag, desc_tag, type_tag, sym_tag}),
            metadata: named, root: named}
    track, route = Points(), Points()
    waypoints: list[Waypoint] = []
    name = description = ""
    total = 0
    for element in ended(xml, wanted=frozenset({trkpt, rtept, trkseg, rte, wpt, metadata, root}), keep=keep,
                         max_elements=element_budget(max_points)):
        tag = element.tag
        if tag in (trkpt, rtept):
            points = track if tag == trkpt else route
            points.lat.append(element.get("lat"))
            points.lon.append(element.get("lon"))
            points.ele.append(element.findtext(ele_tag))
            if with_times:
                points.time.append(element.findtext(time_tag))
            total += 1
            if total > max_points:
                raise GpxError("too_many_points", limit=max_points)
        elif tag == trkseg:
            track.ends.append(len(track.lat))
        elif tag == rte:
            route.ends.append(len(route.lat))
        elif tag == wpt:
            if len(waypoints) >= max_waypoints:
                raise GpxError("too_many_waypoints", limit=max_waypoints)
            waypoints.append(_waypoint(element, name_tag, desc_tag, type_tag, sym_tag))
        else:
            # GPX 1.1 keeps the name in <metadata>, GPX 1.0 directly under <gpx> (ended last)
            name = name or element.findtext(name_tag) or ""
            description = description or element.findtext(desc_tag) or ""
    return track, route, waypoints, name.strip()[:200], description.strip()[:2000]


def _waypoint(element: ET.Element, name_tag: str, desc_tag: str, type_tag: str, sym_tag: str) -> Waypoint:
    try:
        lat, lon = float(element.get("lat", "")), float(element.get("lon", ""))
    except ValueError as exc:
        raise GpxError("bad_coordinate", lat=element.get("lat", ""), lon=element.get("lon", "")) from exc
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise GpxError("bad_coordinate", lat=element.get("lat", ""), lon=element.get("lon", ""))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise GpxError("coordinate_out_of_range", lat=element.get("lat", ""), lon=element.get("lon", ""))
    kind = (element.findtext(type_tag) or element.findtext(sym_tag) or "").strip()
    return Waypoint(lat, lon, name=(element.findtext(name_tag) or "").strip()[:200], kind=kind[:60],
                    description=(element.findtext(desc_tag) or "").strip()[:1000])


def parse(data: bytes, *, max_bytes: int, max_points: int, with_times: bool = False,
          max_waypoints: int = MAX_WAYPOINTS) -> ParsedTrack:
    """Parse GPX 1.0/1.1 bytes (optionally gzipped). Raises GpxError naming the problem."""
    return parse_xml(xml_input(data, max_bytes=max_bytes), max_points=max_points, with_times=with_times,
                     max_waypoints=max_waypoints)


def parse_xml(xml: bytes, *, max_points: int, with_times: bool = False,
              max_waypoints: int = MAX_WAYPOINTS) -> ParsedTrack:
    ns = check_prolog(xml)
    try:
        with collector_paused():
            track, route, waypoints, name, description = _walk(xml, ns, max_points, with_times, max_waypoints)
    except ET.ParseError as exc:
        raise xml_refusal(xml, exc) from exc
    points = track if track.lat else route
    if not points.lat:
        raise GpxError("no_points")
    lat, lon = coordinates(points)
    first = {0, *(end for end in points.ends if end < len(points.lat))}
    if points is track:  # a recorded track jumps where the signal was lost; a route's points are far apart by design
        first.update(gap_starts(lat, lon))
    starts = sorted(first)
    return ParsedTrack(
        lat=lat, lon=lon, ele=elevations(points.ele), segment_starts=starts,
        source="track" if points is track else "route", waypoints=waypoints, name=name, description=description,
        times=iso_times(points.time) if with_times else None,
    )
