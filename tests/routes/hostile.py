"""Hostile route and ride files, made small in code: each one cost a worker seconds to minutes, or
hundreds of MB to GB, before the ingest budget (issue 23). Shared by the hostile-input tests and
bench/hostile_inputs.py; nothing here touches Django (routes.fit's CRC is plain Python)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import math
import os
import struct

from routes.fit import crc16

GPX_HEAD = '<gpx version="1.1" creator="hostile" xmlns="http://www.topografix.com/GPX/1/1">'
FAR = (("36.8", "113.8"), ("-36.8", "-66.2"))  # Xingtai and a place near its antipode


def _gpx(body: str) -> bytes:
    return f"{GPX_HEAD}{body}</gpx>".encode()


def zigzag(points: int = 21) -> bytes:
    """~1.2 KB: 21 points alternating between far places, a line of a quarter of a million km."""
    body = "".join(f'<trkpt lat="{FAR[i % 2][0]}" lon="{FAR[i % 2][1]}"/>' for i in range(points))
    return _gpx(f"<trk><trkseg>{body}</trkseg></trk>")


def zigzag_ride(points: int = 199_000) -> bytes:
    """~18 KB gzipped: a 'ride' of 199k points alternating between far places."""
    pair = "".join(f'<trkpt lat="{lat}" lon="{lon}"/>' for lat, lon in FAR)
    return gzip.compress(_gpx(f"<trk><trkseg>{pair * (points // 2)}</trkseg></trk>"), 6)


def _track(points: int, lat0: float = 37.05, lon0: float = 114.5) -> str:
    return "".join(f'<trkpt lat="{lat0 + i * 0.0003:.6f}" lon="{lon0 + (i % 7) * 0.0002:.6f}"/>'
                   for i in range(points))


def far_waypoints(waypoints: int = 10_000, points: int = 300) -> bytes:
    """~1.4 MB: a short track and many waypoints far from it, each of which was measured against
    every 10 m of the line with the exact geodesic."""
    wpts = "".join(f'<wpt lat="{-30 + (i % 60):.4f}" lon="{-60 + (i % 97) * 0.5:.4f}"><name>w{i}</name></wpt>'
                   for i in range(waypoints))
    return _gpx(f"{wpts}<trk><trkseg>{_track(points)}</trkseg></trk>")


def near_waypoints(waypoints: int, points: int = 3000) -> bytes:
    """A real-looking route with many waypoints beside it (placed along it as cues)."""
    wpts = "".join(f'<wpt lat="{37.05 + (i % points) * 0.0003:.6f}" lon="114.5008"><name>补给 {i}</name></wpt>'
                   for i in range(waypoints))
    return _gpx(f"{wpts}<trk><trkseg>{_track(points)}</trkseg></trk>")


def empty_waypoints(count: int = 850_000) -> bytes:
    """~48 KB gzipped: 850,000 <wpt/> (each became a waypoint object)."""
    return gzip.compress(_gpx('<wpt lat="1" lon="1"/>' * count + f"<trk><trkseg>{_track(10)}</trkseg></trk>"), 6)


def nested_elements(depth: int = 2_500_000) -> bytes:
    """~20 KB gzipped: 2.5M nested elements inside a valid GPX."""
    return gzip.compress(_gpx(f"<trk><trkseg>{_track(10)}</trkseg></trk><extensions>" + "<a>" * depth
                              + "</a>" * depth + "</extensions>"), 6)


def empty_elements(count: int = 4_900_000) -> bytes:
    """~22 KB gzipped: 4.9M empty elements inside a valid GPX."""
    return gzip.compress(_gpx(f"<trk><trkseg>{_track(10)}</trkseg></trk><extensions>" + "<a/>" * count
                              + "</extensions>"), 6)


def empty_elements_in_a_point(count: int = 2_000_000) -> bytes:
    """Empty elements inside one track point (kept until the point ends, unless dropped)."""
    inner = "<a/>" * count
    return gzip.compress(_gpx(f'<trk><trkseg>{_track(10)}<trkpt lat="37.06" lon="114.5">{inner}</trkpt>'
                              "</trkseg></trk>"), 6)


def attribute_flood(count: int = 1_500_000) -> bytes:
    """~17 MB: one track point with 1.5 million attributes (the parser builds them all before any
    handler runs: 5.8 s and 520 MB)."""
    attrs = " ".join(f'a{i}=""' for i in range(count))
    return _gpx(f'<trk><trkseg><trkpt lat="37" lon="114" {attrs}/><trkpt lat="37.001" lon="114"/></trkseg></trk>')


def long_tag(count: int = 100_000) -> bytes:
    """Under the attribute count, but all in one tag."""
    return attribute_flood(count)


def long_jump() -> bytes:
    """A real ride in Xingtai with one jump of 12,509 km to the other side of the earth and back:
    it was one 15,393 km route; the jump is a gap, not a distance."""
    near = _track(200)
    far = _track(200, lat0=-36.0, lon0=-66.0)
    return _gpx(f"<trk><trkseg>{near}{far}</trkseg></trk>")


# --- FIT -------------------------------------------------------------------------------------------


def fit_file(records: bytes) -> bytes:
    """A FIT file around the given definition and data records: 14-byte header, CRC at the end."""
    head = struct.pack("<BBHI4s", 14, 0x10, 2132, len(records), b".FIT")
    head += struct.pack("<H", crc16(head))
    body = head + records
    return body + struct.pack("<H", crc16(body))


def _definition(local: int, global_num: int, fields: list[tuple[int, int, int]]) -> bytes:
    out = struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))
    return out + b"".join(struct.pack("<BBB", *f) for f in fields)


def fit_one_byte_messages(count: int = 7_900_000) -> bytes:
    """~8 KB gzipped, 7.9 MB unpacked (just under the FIT size cap): a record message with no fields,
    then `count` 1-byte messages."""
    return gzip.compress(fit_file(_definition(0, 20, []) + b"\x00" * count), 6)


def fit_points(count: int, *, lat: float = 37.05, lon: float = 114.5, step: float = 0.00005) -> bytes:
    """`count` record messages with a position each (9 bytes a point)."""
    scale = 2**31 / 180
    definition = _definition(0, 20, [(0, 4, 0x85), (1, 4, 0x85)])
    rows = bytearray()
    for i in range(count):
        rows += struct.pack("<Bii", 0, int((lat + (i % 2000) * step) * scale), int(lon * scale))
    return fit_file(definition + bytes(rows))


def route_zigzag(points: int = 21) -> bytes:
    """The zigzag as a planned <rte> (whose points are far apart by design, so never split)."""
    body = "".join(f'<rtept lat="{FAR[i % 2][0]}" lon="{FAR[i % 2][1]}"/>' for i in range(points))
    return _gpx(f"<rte>{body}</rte>")


def longest_allowed(points: int = 200_000, km: float = 4_800.0) -> bytes:
    """The most an honest file may be: the point cap, just under the length budget, with heights
    (a ride north from Hainan to Mongolia and beyond)."""
    step = km / points / 111.2  # degrees of latitude a step
    body = "".join(f'<trkpt lat="{10 + i * step:.6f}" lon="{110 + 0.002 * math.sin(i / 100):.6f}">'
                   f"<ele>{500 + (i % 4000) / 4:.1f}</ele></trkpt>" for i in range(points))
    return gzip.compress(_gpx(f"<trk><trkseg>{body}</trkseg></trk>"), 6)


def catalogue() -> dict:
    """Every hostile file by name (made on call): the tests and bench/hostile_inputs.py walk it."""
    return {
        "zigzag": zigzag,
        "route_zigzag": route_zigzag,
        "zigzag_ride": zigzag_ride,
        "long_jump": long_jump,
        "far_waypoints": far_waypoints,
        "far_waypoints_2000": lambda: far_waypoints(2_000),
        "near_waypoints_2000": lambda: near_waypoints(2_000),
        "empty_waypoints": empty_waypoints,
        "nested_elements": nested_elements,
        "nested_under_the_count": lambda: nested_elements(500_000),
        "empty_elements": empty_elements,
        "empty_elements_in_a_point": empty_elements_in_a_point,
        "empty_elements_under_the_count": lambda: empty_elements_in_a_point(1_000_000),
        "attribute_flood": attribute_flood,
        "long_tag": long_tag,
        "fit_one_byte_messages": fit_one_byte_messages,
        "fit_too_many_points": lambda: gzip.compress(fit_points(400_000), 6),
        "longest_allowed": longest_allowed,
    }


@functools.cache
def made(name: str) -> bytes:
    """A catalogue file, made once a process (some take a second to write)."""
    return catalogue()[name]()


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise LookupError(field)


def growth(work) -> int:
    """Bytes the process grows by while `work()` runs (its resident peak over its size before), in a
    forked copy of this process: real memory (Python, numpy, the XML parser's own), not an estimate,
    and unaffected by what ran before. A refusal raised by the work is expected. The work must not
    touch a database connection (the copy shares the parent's)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: measure, report, and leave without running any of the parent's exit code
        os.close(read)
        try:
            before = _status_kb("VmRSS:")
            with contextlib.suppress(Exception):  # a refusal is an outcome here, not a failure
                work()
            os.write(write, str((_status_kb("VmHWM:") - before) * 1024).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return int(answer)


# --- the old behaviour, for the negative controls and the bench -----------------------------------


def old_placement(waypoints, parts) -> None:
    """How cue placement used to measure a waypoint: the exact geodesic against every 10 m sample."""
    from geographiclib.geodesic import Geodesic

    for w in waypoints:
        for r in parts:
            [Geodesic.WGS84.Inverse(w.lat, w.lon, a, b, Geodesic.DISTANCE) for a, b in zip(r.lat, r.lon, strict=True)]


def old_walk(xml: bytes) -> None:
    """How the XML walk used to stream: every element it did not read stayed until its parent ended."""
    from xml.etree import ElementTree as ET

    parser = ET.XMLPullParser(events=("end",))
    for at in range(0, len(xml), 1 << 16):
        parser.feed(xml[at:at + (1 << 16)])
        parser.read_events()
