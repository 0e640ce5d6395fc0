"""Streaming, defused GPX reader: points, segments and waypoints into numpy arrays.

No Django here. expat is driven directly: a DOCTYPE or any entity declaration is refused
before it can be expanded or resolved (billion laughs, external entities); the one regular
expression run over the document (an over-long tag) is linear, unlike gpxpy 1.6.2's xmlns regex,
which is quadratic on crafted input; sizes are capped before and during decompression, and
elements, attributes, depth, points and waypoints while streaming (docs/routes.md, the budget).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime
import gc
import gzip
import io
import math
import re
import zlib
from dataclasses import dataclass, field
from itertools import pairwise
from xml.etree import ElementTree as ET
from xml.parsers import expat

import numpy as np

_CHUNK = 1 << 16
_INVALID_TOKEN = 4  # expat's XML_ERROR_INVALID_TOKEN, as ElementTree's ParseError.code
_UNDEFINED_ENTITY = 11  # XML_ERROR_UNDEFINED_ENTITY
# Encodings expat decodes itself; any other declared encoding is decoded here, strictly.
_EXPAT_NATIVE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "utf-16", "utf-16le",
                 "utf-16be"}


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
class ParsedGpx:
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


def read_bytes(data: bytes, *, max_bytes: int) -> bytes:
    """The XML bytes of an upload, gunzipped if needed; both sizes capped at max_bytes."""
    if len(data) > max_bytes:
        raise GpxError("too_large", limit_mb=max_bytes // 1_000_000)
    if data[:2] != b"\x1f\x8b":
        return data
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(1 << 20):
                out.write(chunk)
                if out.tell() > max_bytes:
                    raise GpxError("too_large_unzipped", limit_mb=max_bytes // 1_000_000)
    except (OSError, EOFError, zlib.error) as exc:
        raise GpxError("bad_gzip") from exc
    return out.getvalue()


def _declared_encoding(data: bytes) -> str | None:
    if not data.startswith(b"<?xml"):
        return None
    end = data.find(b"?>", 0, 200)
    if end < 0:
        return None
    head = data[:end].decode("ascii", "replace")
    at = head.find("encoding")
    if at < 0:
        return None
    rest = head[at + len("encoding"):].lstrip(" =\t")
    if not rest or rest[0] not in "'\"":
        return None
    return rest[1:rest.find(rest[0], 1)].strip().lower() or None


def _to_expat_input(data: bytes) -> bytes:
    """Bytes expat can read: a non-native declared encoding (GBK, GB18030, Latin-2...) is decoded
    strictly here and handed over as UTF-8 with the declaration rewritten."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return data
    declared = _declared_encoding(data)
    if declared is None or declared in _EXPAT_NATIVE:
        return data
    try:
        codecs.lookup(declared)
    except LookupError as exc:
        raise GpxError("unknown_encoding", encoding=declared) from exc
    try:
        text = data.decode(declared)
    except UnicodeDecodeError as exc:
        raise GpxError("bad_encoding", encoding=declared) from exc
    end = text.find("?>")
    return ('<?xml version="1.0" encoding="utf-8"' + text[end:]).encode("utf-8")


class _RootFound(Exception):
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs


def _refuse_dtd(*args: object) -> None:
    raise GpxError("doctype")


def check_prolog(xml: bytes, root_name: str = "gpx") -> str:
    """Read up to the root element with expat, refusing any DOCTYPE or entity declaration.

    A DTD (and so any entity beyond the five predefined ones) may only appear before the root
    element, so once the root starts without one, the rest of the document cannot declare,
    expand or fetch entities. Returns the root's namespace as "{uri}" ("" when none).
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd

    def root(tag: str, attrs: dict[str, str]) -> None:
        raise _RootFound(tag, attrs)

    parser.StartElementHandler = root
    try:
        for at in range(0, len(xml), _CHUNK):
            parser.Parse(xml[at:at + _CHUNK], False)
        parser.Parse(b"", True)
    except _RootFound as found:
        prefix, _, local = found.tag.rpartition(":")
        if local != root_name:
            raise GpxError("not_gpx", root=local[:40]) from None
        uri = found.attrs.get(f"xmlns:{prefix}" if prefix else "xmlns", "")
        return f"{{{uri}}}" if uri else ""
    except expat.ExpatError as exc:
        raise GpxError("not_xml") from exc
    raise GpxError("not_xml")


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


def _elevations(texts: list[str | None]) -> np.ndarray:
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


class _Points:
    def __init__(self) -> None:
        self.lat: list[str | None] = []
        self.lon: list[str | None] = []
        self.ele: list[str | None] = []
        self.time: list[str | None] = []
        self.ends: list[int] = []  # index after the last point of each segment


def _coordinates(points: _Points) -> tuple[np.ndarray, np.ndarray]:
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


MAX_DEPTH = 32  # GPX nests about 8 deep with extensions, TCX about 9
MAX_TAG_BYTES = 16_384  # a start tag with its attributes; a GPX root with its namespaces is ~1 KB
_LONG_TAG = re.compile(rb"<[^<>!?][^<>]{%d}" % (MAX_TAG_BYTES - 1))


def ended(xml: bytes, *, wanted: frozenset[str], keep: dict[str, frozenset[str]], max_elements: int):
    """The elements whose tag is in `wanted`, each as it ends, from ElementTree's streaming C parser.

    Bounded in time and memory whatever the shape: more than `max_elements` elements or nesting
    deeper than MAX_DEPTH is refused as it streams, and every element is dropped from its parent
    once it ends (it is always the parent's last child then) unless the parent reads it later:
    `keep` maps a tag to the children it reads, and only the first child of each such tag is kept.
    Nothing else stays in memory, so millions of empty or unknown elements cost no memory.
    """
    # every element ends with "</" or "/>" and every attribute has its "=": counted at C speed, a file
    # of millions of empty elements or attributes is refused before the parser sees it (the counts can
    # only be too high, from text that has them)
    if xml.count(b"</") + xml.count(b"/>") > max_elements:
        raise GpxError("too_many_elements", limit=max_elements)
    if xml.count(b"=") > max_elements:
        raise GpxError("too_many_elements", limit=max_elements)
    # one start tag holding a million attributes costs the parser seconds and hundreds of MB before
    # any handler runs: no tag may be longer than MAX_TAG_BYTES (a linear scan: each try stops at the
    # next "<" or ">")
    if _LONG_TAG.search(xml):
        raise GpxError("tag_too_long", limit=MAX_TAG_BYTES)
    parser = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    count = 0
    for at in range(0, len(xml), _CHUNK):
        parser.feed(xml[at:at + _CHUNK])
        for event, element in parser.read_events():
            if event == "start":
                stack.append(element)
                count += 1
                if count > max_elements:
                    raise GpxError("too_many_elements", limit=max_elements)
                if len(stack) > MAX_DEPTH:
                    raise GpxError("too_deep", limit=MAX_DEPTH)
                continue
            stack.pop()
            tag = element.tag
            if tag in wanted:
                yield element
            if stack:
                parent = stack[-1]
                reads = keep.get(parent.tag)
                if reads is None or tag not in reads or parent.find(tag) is not element:
                    del parent[-1]
    parser.close()


def element_budget(max_points: int) -> int:
    """Elements an honest file with `max_points` points can have: a plain GPX track point is 3 (with
    its height and time), room for waypoints and metadata on top. Richer points fit because the byte
    cap comes first: a GPX point with Garmin's extensions (8 elements) takes ~200 bytes and a TCX
    trackpoint (up to 14) ~330, so 20 MB hold at most ~100,000 and ~60,000 of them."""
    return max_points * 5 + 100_000


def _walk(xml: bytes, ns: str, max_points: int, with_times: bool,
          max_waypoints: int) -> tuple[_Points, _Points, list[Waypoint], str, str]:
    """Stream the document, keeping only points and waypoints (routes/gpx.ended bounds the rest)."""
    trkpt, trkseg, rtept, rte, wpt = (f"{ns}{t}" for t in ("trkpt", "trkseg", "rtept", "rte", "wpt"))
    ele_tag, name_tag, desc_tag, type_tag, sym_tag, time_tag = (
        f"{ns}{t}" for t in ("ele", "name", "desc", "type", "sym", "time"))
    metadata, root = f"{ns}metadata", f"{ns}gpx"
    point_reads = frozenset({ele_tag, time_tag})
    named = frozenset({name_tag, desc_tag})
    keep = {trkpt: point_reads, rtept: point_reads, wpt: frozenset({name_tag, desc_tag, type_tag, sym_tag}),
            metadata: named, root: named}
    track, route = _Points(), _Points()
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


@contextlib.contextmanager
def collector_paused():
    """The parse allocates tens of thousands of short-lived elements, none in a cycle; the cyclic
    collector would otherwise walk every live object of the process many times over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def xml_input(data: bytes, *, max_bytes: int) -> bytes:
    """Upload bytes (optionally gzipped) as bytes expat reads."""
    return _to_expat_input(read_bytes(data, max_bytes=max_bytes))


MAX_WAYPOINTS = 2_000  # a route's own points of interest; real files carry tens to a few hundred
SPLIT_GAP_M = 1000.0  # a step longer than this (and GAP_FACTOR x the median step) starts a new segment
GAP_FACTOR = 20.0


def parse(data: bytes, *, max_bytes: int, max_points: int, with_times: bool = False,
          max_waypoints: int = MAX_WAYPOINTS) -> ParsedGpx:
    """Parse GPX 1.0/1.1 bytes (optionally gzipped). Raises GpxError naming the problem."""
    return parse_xml(xml_input(data, max_bytes=max_bytes), max_points=max_points, with_times=with_times,
                     max_waypoints=max_waypoints)


def parse_xml(xml: bytes, *, max_points: int, with_times: bool = False,
              max_waypoints: int = MAX_WAYPOINTS) -> ParsedGpx:
    ns = check_prolog(xml)
    try:
        with collector_paused():
            track, route, waypoints, name, description = _walk(xml, ns, max_points, with_times, max_waypoints)
    except ET.ParseError as exc:
        raise xml_refusal(xml, exc) from exc
    points = track if track.lat else route
    if not points.lat:
        raise GpxError("no_points")
    lat, lon = _coordinates(points)
    first = {0, *(end for end in points.ends if end < len(points.lat))}
    if points is track:  # a recorded track jumps where the signal was lost; a route's points are far apart by design
        first.update(gap_starts(lat, lon))
    starts = sorted(first)
    return ParsedGpx(
        lat=lat, lon=lon, ele=_elevations(points.ele), segment_starts=starts,
        source="track" if points is track else "route", waypoints=waypoints, name=name, description=description,
        times=iso_times(points.time) if with_times else None,
    )


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


def xml_refusal(xml: bytes, exc: ET.ParseError) -> GpxError:
    """The refusal for a streaming parse error: bad bytes, an entity, or broken XML at a place."""
    line, column = exc.position
    if exc.code == _INVALID_TOKEN and _invalid_utf8_at(xml, exc):
        return GpxError("bad_encoding", encoding=_declared_encoding(xml) or "utf-8")
    if exc.code == _UNDEFINED_ENTITY:
        return GpxError("doctype")
    return GpxError("malformed", line=line, column=column)


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


def _invalid_utf8_at(xml: bytes, exc: Exception) -> bool:
    """True when expat's 'invalid token' is a byte sequence that is not valid UTF-8."""
    declared = _declared_encoding(xml)
    if declared not in (None, "utf-8", "utf8"):
        return False
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
