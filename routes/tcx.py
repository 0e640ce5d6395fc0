"""TCX files (Garmin Training Center activities and courses) read like GPX: defused, streaming.

No Django here. The same guards as the GPX reader (routes/gpx.py): size caps, gzip, encodings,
any DOCTYPE or entity declaration refused before the root element, a streaming C parser keeping
only what we need. Trackpoints without a <Position> (pauses, indoor rides) are skipped; a jump of
more than track.SPLIT_GAP_M between consecutive points starts a new segment, as for FIT. Course
points that are places (water, food, danger, summit...) become waypoints.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from routes import safexml, track
from routes.track import GpxError, ParsedTrack, Waypoint

# TCX CoursePoint PointType values that are turn instructions, not places
TURN_TYPES = {"Left", "Right", "Straight"}


def _text(element: ET.Element, path: str, ns: str) -> str | None:
    return element.findtext("/".join(f"{ns}{part}" for part in path.split("/")))


def _walk(xml: bytes, ns: str, max_points: int, max_waypoints: int):
    point_tag, course_point, name_tag = f"{ns}Trackpoint", f"{ns}CoursePoint", f"{ns}Name"
    course, position = f"{ns}Course", f"{ns}Position"
    lat_tag, lon_tag = f"{ns}LatitudeDegrees", f"{ns}LongitudeDegrees"
    keep = {  # what each element reads when it ends (routes/safexml.ended drops everything else)
        point_tag: frozenset({position, f"{ns}AltitudeMeters", f"{ns}Time"}),
        course_point: frozenset({position, f"{ns}PointType", name_tag, f"{ns}Notes"}),
        position: frozenset({lat_tag, lon_tag}),
        course: frozenset({name_tag}),
    }
    lat: list[str | None] = []
    lon: list[str | None] = []
    ele: list[str | None] = []
    times: list[str | None] = []
    waypoints: list[Waypoint] = []
    name = ""
    is_course = False
    for element in safexml.ended(xml, wanted=frozenset({point_tag, course_point, course}), keep=keep,
                             max_elements=safexml.element_budget(max_points)):
        tag = element.tag
        if tag == point_tag:
            latitude = _text(element, "Position/LatitudeDegrees", ns)
            if latitude is not None:
                lat.append(latitude)
                lon.append(_text(element, "Position/LongitudeDegrees", ns))
                ele.append(_text(element, "AltitudeMeters", ns))
                times.append(_text(element, "Time", ns))
                if len(lat) > max_points:
                    raise GpxError("too_many_points", limit=max_points)
        elif tag == course_point:
            if len(waypoints) >= max_waypoints:
                raise GpxError("too_many_waypoints", limit=max_waypoints)
            waypoint = _course_point(element, ns)
            if waypoint:
                waypoints.append(waypoint)
        else:
            is_course = True
            name = name or (element.findtext(name_tag) or "")
    return lat, lon, ele, times, waypoints, name.strip()[:200], is_course


def _course_point(element: ET.Element, ns: str) -> Waypoint | None:
    kind = (_text(element, "PointType", ns) or "").strip()
    if kind in TURN_TYPES:
        return None
    try:
        lat = float(_text(element, "Position/LatitudeDegrees", ns) or "")
        lon = float(_text(element, "Position/LongitudeDegrees", ns) or "")
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Waypoint(lat, lon, name=(_text(element, "Name", ns) or "").strip()[:200], kind=kind[:60],
                    description=(_text(element, "Notes", ns) or "").strip()[:1000])


def parse(data: bytes, *, max_bytes: int, max_points: int, max_waypoints: int = track.MAX_WAYPOINTS) -> ParsedTrack:
    """Points, segments, course points and times of a TCX activity or course. Raises GpxError."""
    xml = safexml.xml_input(data, max_bytes=max_bytes)
    ns = safexml.check_prolog(xml, root_name="TrainingCenterDatabase")
    try:
        with safexml.collector_paused():
            lat_t, lon_t, ele_t, time_t, waypoints, name, is_course = _walk(xml, ns, max_points, max_waypoints)
    except ET.ParseError as exc:
        raise safexml.xml_refusal(xml, exc) from exc
    if not lat_t:
        raise GpxError("no_positions")
    points = track.Points()
    points.lat, points.lon = lat_t, lon_t
    lat, lon = track.coordinates(points)
    keep = ~((lat == 0) & (lon == 0))  # (0, 0): a device writing a position before its first fix
    if not keep.any():
        raise GpxError("no_positions")
    lat, lon = lat[keep], lon[keep]
    ele = track.elevations(ele_t)[keep]
    times = track.iso_times(time_t)[keep]
    return ParsedTrack(lat=lat, lon=lon, ele=ele, segment_starts=[0, *track.gap_starts(lat, lon)],
                     source="route" if is_course else "track", waypoints=waypoints, name=name, times=times,
                     kind="tcx")
