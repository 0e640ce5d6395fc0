"""Courses for bike computers: FIT (written with fit-tool) and TCX, each with course points for the
cues. No Django here.

A course carries a time per point: a virtual rider at COURSE_SPEED_KMH, which devices use for the
virtual partner and arrival estimates. Each cue becomes a course point at the nearest course point
to its distance along the route, with a FIT/TCX point type (left, right, water, food, danger...)
and its words as the name (TCX limits names to 10 characters; the full words go in Notes).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import numpy as np
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.course_message import CourseMessage
from fit_tool.profile.messages.course_point_message import CoursePointMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.profile_type import CoursePoint, Event, EventType, FileType, Manufacturer, Sport

from routes import geo

COURSE_SPEED_KMH = 20.0
MAX_COURSE_POINTS = 10_000  # records a course may have; older devices stop reading beyond that
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"

FIT_TYPES = {
    "start": CoursePoint.SEGMENT_START, "finish": CoursePoint.SEGMENT_END, "left": CoursePoint.LEFT,
    "right": CoursePoint.RIGHT, "slight_left": CoursePoint.SLIGHT_LEFT, "slight_right": CoursePoint.SLIGHT_RIGHT,
    "sharp_left": CoursePoint.SHARP_LEFT, "sharp_right": CoursePoint.SHARP_RIGHT, "u_turn": CoursePoint.U_TURN,
    "straight": CoursePoint.STRAIGHT, "water": CoursePoint.WATER, "food": CoursePoint.FOOD,
    "repair": CoursePoint.SERVICE, "viewpoint": CoursePoint.GENERIC, "danger": CoursePoint.DANGER,
    "control": CoursePoint.CHECKPOINT, "other": CoursePoint.GENERIC,
}
# TCX 2 CoursePointType_t values
TCX_TYPES = {
    "left": "Left", "right": "Right", "slight_left": "Left", "slight_right": "Right", "sharp_left": "Left",
    "sharp_right": "Right", "u_turn": "Left", "straight": "Straight", "water": "Water", "food": "Food",
    "danger": "Danger", "control": "Generic", "start": "Generic", "finish": "Generic", "repair": "Generic",
    "viewpoint": "Summit", "other": "Generic",
}


@dataclass
class CoursePointIn:
    distance_m: float
    kind: str
    name: str


@dataclass
class Course:
    name: str
    lat: np.ndarray
    lon: np.ndarray
    ele: np.ndarray  # NaN where unknown
    distance: np.ndarray  # metres from the start at each point
    seconds: np.ndarray  # virtual rider's time from the start
    points: list[tuple[float, float, float, float, CoursePointIn]]  # (metres, lat, lon, seconds, cue) on the line


def build(name: str, lat: np.ndarray, lon: np.ndarray, ele: np.ndarray, segments: list[slice],
          cues: list[CoursePointIn]) -> Course:
    """The course's records (at most MAX_COURSE_POINTS, simplified within 2 m) and its cue points."""
    picked = np.nonzero(geo.simplify_mask(lat, lon, segments, MAX_COURSE_POINTS, tolerance_m=2.0))[0]
    lat, lon, ele = lat[picked], lon[picked], ele[picked]
    steps = geo.step_lengths(lat, lon)
    distance = np.concatenate(([0.0], np.cumsum(steps)))
    seconds = distance / (COURSE_SPEED_KMH / 3.6)
    points = []
    for cue in cues:
        at = float(np.clip(cue.distance_m, 0.0, distance[-1]))
        points.append((at, float(np.interp(at, distance, lat)), float(np.interp(at, distance, lon)),
                       at / (COURSE_SPEED_KMH / 3.6), cue))
    return Course(name=name, lat=lat, lon=lon, ele=ele, distance=distance, seconds=seconds, points=points)


def fit_bytes(course: Course) -> bytes:
    """A FIT course file (file type course) with records, a lap, timer events and course points."""
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    start_ms = round(START.timestamp() * 1000)
    file_id = FileIdMessage()
    file_id.type = FileType.COURSE
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.time_created = start_ms
    file_id.serial_number = 0x58544359  # "XTCY"
    builder.add(file_id)
    header = CourseMessage()
    header.course_name = course.name[:40]
    header.sport = Sport.CYCLING
    builder.add(header)
    event = EventMessage()
    event.event = Event.TIMER
    event.event_type = EventType.START
    event.timestamp = start_ms
    builder.add(event)
    records = []
    for i in range(len(course.lat)):
        record = RecordMessage()
        record.timestamp = start_ms + round(float(course.seconds[i]) * 1000)
        record.position_lat = float(course.lat[i])
        record.position_long = float(course.lon[i])
        record.distance = float(course.distance[i])
        if np.isfinite(course.ele[i]):
            record.altitude = float(course.ele[i])
        records.append(record)
    builder.add_all(records)
    for at, lat, lon, seconds, cue in course.points:
        point = CoursePointMessage()
        point.timestamp = start_ms + round(seconds * 1000)
        point.position_lat = lat
        point.position_long = lon
        point.distance = at
        point.type = FIT_TYPES.get(cue.kind, CoursePoint.GENERIC)
        point.course_point_name = cue.name[:15]
        builder.add(point)
    end_ms = records[-1].timestamp
    stop = EventMessage()
    stop.event = Event.TIMER
    stop.event_type = EventType.STOP_ALL
    stop.timestamp = end_ms
    builder.add(stop)
    lap = LapMessage()
    lap.timestamp = end_ms
    lap.start_time = start_ms
    lap.total_elapsed_time = (end_ms - start_ms) / 1000
    lap.total_timer_time = (end_ms - start_ms) / 1000
    lap.start_position_lat = float(course.lat[0])
    lap.start_position_long = float(course.lon[0])
    lap.end_position_lat = float(course.lat[-1])
    lap.end_position_long = float(course.lon[-1])
    lap.total_distance = float(course.distance[-1])
    builder.add(lap)
    return builder.build().to_bytes()


def _iso(seconds: float) -> str:
    return (START + datetime.timedelta(seconds=float(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{TCX_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _position(parent: ET.Element, lat: float, lon: float, tag: str = "Position") -> None:
    position = _sub(parent, tag)
    _sub(position, "LatitudeDegrees", f"{lat:.7f}")
    _sub(position, "LongitudeDegrees", f"{lon:.7f}")


def tcx_bytes(course: Course) -> bytes:
    """A TCX 2 course: one lap, the track, and course points."""
    ET.register_namespace("", TCX_NS)
    root = ET.Element(f"{{{TCX_NS}}}TrainingCenterDatabase")
    element = _sub(_sub(root, "Courses"), "Course")
    _sub(element, "Name", course.name[:15] or "Course")
    lap = _sub(element, "Lap")
    _sub(lap, "TotalTimeSeconds", f"{float(course.seconds[-1]):.1f}")
    _sub(lap, "DistanceMeters", f"{float(course.distance[-1]):.1f}")
    _position(lap, float(course.lat[0]), float(course.lon[0]), "BeginPosition")
    _position(lap, float(course.lat[-1]), float(course.lon[-1]), "EndPosition")
    _sub(lap, "Intensity", "Active")
    track = _sub(element, "Track")
    for i in range(len(course.lat)):
        point = _sub(track, "Trackpoint")
        _sub(point, "Time", _iso(course.seconds[i]))
        _position(point, float(course.lat[i]), float(course.lon[i]))
        if np.isfinite(course.ele[i]):
            _sub(point, "AltitudeMeters", f"{float(course.ele[i]):.1f}")
        _sub(point, "DistanceMeters", f"{float(course.distance[i]):.1f}")
    for _at, lat, lon, seconds, cue in course.points:
        point = _sub(element, "CoursePoint")
        _sub(point, "Name", cue.name[:10] or "-")
        _sub(point, "Time", _iso(seconds))
        _position(point, lat, lon)
        _sub(point, "PointType", TCX_TYPES.get(cue.kind, "Generic"))
        _sub(point, "Notes", cue.name)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
