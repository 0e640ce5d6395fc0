"""FIT files (activities and courses from bike computers) read with Garmin's own decoder.

No Django here. Cheap checks come first so that a broken file is refused quickly: the header
(".FIT", sizes), the length the header promises (a truncated file), and the file's CRC-16. Then
Garmin's `garmin-fit-sdk` decodes the messages without unit conversion (we scale the few fields
we read), which is its fastest mode, after a byte scan has counted the messages of every file of a
chain against the budget. Records become points; a jump of more than SPLIT_GAP_M
between consecutive points (a GPS dropout, a train ride) starts a new segment; course points
become waypoints, except turn instructions (cues are ours to compute).
"""

from __future__ import annotations

import numpy as np
from garmin_fit_sdk import Decoder, Stream

from routes import track
from routes.track import GpxError, ParsedTrack, Waypoint

SEMICIRCLE = 180.0 / 2**31
FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z in Unix seconds
SPLIT_GAP_M = track.SPLIT_GAP_M
# FIT course_point types that are turn instructions (not places): left, right, straight, forks...
TURN_TYPES = {6, 7, 8, 16, 17, 18, 19, 20, 21, 22, 23}
COURSE_POINT_NAMES = {1: "summit", 2: "valley", 3: "water", 4: "food", 5: "danger", 9: "first aid"}

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xA001 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc16(data: bytes, crc: int = 0) -> int:
    """FIT's CRC-16 (the ARC polynomial, reflected), as in the FIT protocol's reference code."""
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def looks_like_fit(data: bytes) -> bool:
    return len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT"


def _check_frame(data: bytes) -> None:
    """Header, promised length and CRC, before any message is decoded."""
    if not looks_like_fit(data):
        raise GpxError("fit_header")
    header_size = data[0]
    data_size = int.from_bytes(data[4:8], "little")
    end = header_size + data_size
    if len(data) < end + 2:
        raise GpxError("fit_truncated")
    if header_size == 14:
        header_crc = int.from_bytes(data[12:14], "little")
        if header_crc not in (0, crc16(data[:12])):
            raise GpxError("fit_header")
    if crc16(data[:end]) != int.from_bytes(data[end:end + 2], "little"):
        raise GpxError("fit_crc")


RECORD = 20  # the global number of the record message (a point)
COURSE_POINT = 32


def message_budget(max_points: int) -> int:
    """Messages an honest file with `max_points` records has: a second or two per record (events,
    laps, HRV, device info) and a few thousand of its own."""
    return max_points * 3 + 20_000


def _scan(data: bytes, *, max_points: int, max_waypoints: int) -> None:
    """Walk the record headers before decoding (a byte loop, far cheaper a message than Garmin's
    decoder): the messages (definitions too), records and course points of every file of a chain
    are counted against the budget, so a file of millions of 1-byte messages or points is refused
    before any of it is decoded. A chained file with a broken header is refused as Garmin's decoder
    would refuse it."""
    counts = {RECORD: 0, COURSE_POINT: 0, "messages": 0}
    at = 0
    while at < len(data):
        if not looks_like_fit(data[at:at + 12]):
            raise GpxError("fit_corrupt")
        end = at + data[at] + int.from_bytes(data[at + 4:at + 8], "little")
        if end + 2 > len(data):
            raise GpxError("fit_truncated")
        _scan_one(data, at + data[at], end, counts, message_budget(max_points))
        at = end + 2
    if counts[RECORD] > max_points:
        raise GpxError("too_many_points", limit=max_points)
    if counts[COURSE_POINT] > max_waypoints:
        raise GpxError("too_many_waypoints", limit=max_waypoints)


def _scan_one(data: bytes, at: int, end: int, counts: dict, limit: int) -> None:
    definitions: dict[int, tuple[int, int]] = {}  # local message number -> (global number, data size)
    messages = counts["messages"]
    while at < end:
        header = data[at]
        at += 1
        if header & 0x80:  # a compressed-timestamp data message
            local = (header >> 5) & 0x03
        elif header & 0x40:  # a definition
            if at + 5 > end:
                raise GpxError("fit_corrupt")
            number = int.from_bytes(data[at + 2:at + 4], "big" if data[at + 1] == 1 else "little")
            fields = data[at + 4]
            at += 5
            size = sum(data[at + 1:at + 3 * fields:3])
            at += 3 * fields
            if header & 0x20:  # developer fields
                if at >= end:
                    raise GpxError("fit_corrupt")
                extra = data[at]
                size += sum(data[at + 2:at + 1 + 3 * extra:3])
                at += 1 + 3 * extra
            definitions[header & 0x0F] = (number, size)
            messages += 1  # a definition costs the decoder as much as a data message
            if messages > limit:
                raise GpxError("too_many_messages", limit=limit)
            continue
        else:
            local = header & 0x0F
        if local not in definitions:
            raise GpxError("fit_corrupt")
        number, size = definitions[local]
        at += size
        messages += 1
        if messages > limit:
            raise GpxError("too_many_messages", limit=limit)
        if number in counts:
            counts[number] += 1
    if at != end:
        raise GpxError("fit_corrupt")
    counts["messages"] = messages


def _decode(data: bytes) -> dict:
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    try:
        messages, errors = decoder.read(
            apply_scale_and_offset=False, convert_datetimes_to_dates=False, convert_types_to_strings=False,
            expand_sub_fields=False, expand_components=False, merge_heart_rates=False, enable_crc_check=False)
    except Exception as exc:
        raise GpxError("fit_corrupt") from exc
    if errors:
        raise GpxError("fit_corrupt")
    return dict(messages)


def _points(records: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = [r for r in records if isinstance(r.get("position_lat"), int) and isinstance(r.get("position_long"), int)]
    lat = np.array([r["position_lat"] for r in rows], dtype=np.float64) * SEMICIRCLE
    lon = np.array([r["position_long"] for r in rows], dtype=np.float64) * SEMICIRCLE
    raw = [r.get("enhanced_altitude", r.get("altitude")) for r in rows]
    ele = np.array([v if isinstance(v, int) else np.nan for v in raw], dtype=np.float64) / 5.0 - 500.0
    ele[(ele <= -1000) | (ele >= 10000)] = np.nan
    stamps = [r.get("timestamp") for r in rows]
    times = np.array([v + FIT_EPOCH if isinstance(v, int) else np.nan for v in stamps], dtype=np.float64)
    return lat, lon, ele, times


def _waypoints(course_points: list[dict]) -> list[Waypoint]:
    out = []
    for point in course_points:
        kind = point.get("type")
        lat, lon = point.get("position_lat"), point.get("position_long")
        if kind in TURN_TYPES or not isinstance(lat, int) or not isinstance(lon, int):
            continue
        name = point.get("name")
        out.append(Waypoint(lat * SEMICIRCLE, lon * SEMICIRCLE, name=(name if isinstance(name, str) else "")[:200],
                            kind=COURSE_POINT_NAMES.get(kind, "") if isinstance(kind, int) else ""))
    return out


def parse(data: bytes, *, max_points: int, max_waypoints: int = track.MAX_WAYPOINTS) -> ParsedTrack:
    """Points, segments, course points and times of a FIT activity or course. Raises GpxError."""
    _check_frame(data)
    _scan(data, max_points=max_points, max_waypoints=max_waypoints)
    messages = _decode(data)
    lat, lon, ele, times = _points(messages.get("record_mesgs", []))
    if not len(lat):
        raise GpxError("no_positions")
    inside = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not inside.all():
        i = int(np.argmin(inside))
        raise GpxError("coordinate_out_of_range", lat=f"{lat[i]:.6f}", lon=f"{lon[i]:.6f}")
    courses = messages.get("course_mesgs", [])
    name = courses[0].get("name") if courses else ""
    return ParsedTrack(lat=lat, lon=lon, ele=ele, segment_starts=[0, *track.gap_starts(lat, lon)],
                     source="route" if courses else "track",
                     waypoints=_waypoints(messages.get("course_point_mesgs", [])),
                     name=(name if isinstance(name, str) else "").strip()[:200], times=times, kind="fit")
