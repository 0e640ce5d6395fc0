"""Streaming, defused GPX reader: points, segments and waypoints into numpy arrays.

No Django here. expat is driven directly: a DOCTYPE or any entity declaration is refused
before it can be expanded or resolved (billion laughs, external entities), nothing is
scanned with regular expressions (gpxpy 1.6.2's xmlns regex is quadratic on crafted input),
and sizes are capped before and during decompression.
"""

from __future__ import annotations

import codecs
import gzip
import io
import math
import zlib
from dataclasses import dataclass, field
from itertools import pairwise
from xml.parsers import expat

import numpy as np

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


class _Reader:
    """expat callbacks; keeps only what a route needs."""

    POINT_TAGS = {"trkpt": "track", "rtept": "route"}
    TEXT_TAGS = {"ele", "name", "type", "sym", "desc"}

    def __init__(self, max_points: int) -> None:
        self.max_points = max_points
        self.depth = 0
        self.root_seen = False
        self.track_lat: list[float] = []
        self.track_lon: list[float] = []
        self.track_ele: list[float] = []
        self.track_starts: list[int] = []
        self.route_lat: list[float] = []
        self.route_lon: list[float] = []
        self.route_ele: list[float] = []
        self.route_starts: list[int] = []
        self.waypoints: list[Waypoint] = []
        self.in_point: str | None = None  # "track" / "route" / "wpt"
        self.path: list[str] = []
        self.text: list[str] | None = None
        self.current_wpt: Waypoint | None = None
        self.name = ""
        self.description = ""

    @staticmethod
    def _local(tag: str) -> str:
        return tag.rpartition(":")[2]

    def _coordinate(self, attrs: dict[str, str]) -> tuple[float, float]:
        try:
            lat = float(attrs["lat"])
            lon = float(attrs["lon"])
        except KeyError as exc:
            raise GpxError("missing_coordinate") from exc
        except ValueError as exc:
            raise GpxError("bad_coordinate", lat=attrs.get("lat", ""), lon=attrs.get("lon", "")) from exc
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise GpxError("bad_coordinate", lat=attrs.get("lat", ""), lon=attrs.get("lon", ""))
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise GpxError("coordinate_out_of_range", lat=attrs["lat"], lon=attrs["lon"])
        return lat, lon

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = self._local(tag)
        if not self.root_seen:
            if name != "gpx":
                raise GpxError("not_gpx", root=name[:40])
            self.root_seen = True
        self.path.append(name)
        if name in self.POINT_TAGS:
            lat, lon = self._coordinate(attrs)
            if self.POINT_TAGS[name] == "track":
                if len(self.path) >= 2 and self.path[-2] != "trkseg":
                    return
                self.track_lat.append(lat)
                self.track_lon.append(lon)
                self.track_ele.append(math.nan)
                total = len(self.track_lat)
            else:
                self.route_lat.append(lat)
                self.route_lon.append(lon)
                self.route_ele.append(math.nan)
                total = len(self.route_lat)
            if total > self.max_points:
                raise GpxError("too_many_points", limit=self.max_points)
            self.in_point = self.POINT_TAGS[name]
        elif name == "trkseg":
            self.track_starts.append(len(self.track_lat))
        elif name == "rte":
            self.route_starts.append(len(self.route_lat))
        elif name == "wpt" and len(self.path) == 2:
            lat, lon = self._coordinate(attrs)
            self.current_wpt = Waypoint(lat, lon)
            self.in_point = "wpt"
        elif name == "ele":
            if self.in_point in ("track", "route"):
                self.text = []
        elif name in self.TEXT_TAGS and (self.in_point == "wpt" or self.path[-2] in ("metadata", "gpx")):
            self.text = []

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        name = self.path.pop()
        if name in self.TEXT_TAGS and self.text is not None:
            value = "".join(self.text).strip()
            self.text = None
            self._store_text(name, value)
        elif name in self.POINT_TAGS or name == "wpt":
            if self.current_wpt is not None and name == "wpt":
                self.waypoints.append(self.current_wpt)
                self.current_wpt = None
            self.in_point = None

    def _store_text(self, name: str, value: str) -> None:
        parent = self.path[-1] if self.path else ""
        if name == "ele" and self.in_point in ("track", "route") and value:
            try:
                ele = float(value)
            except ValueError:
                return  # a broken <ele> loses the elevation of that point, not the file
            if math.isfinite(ele) and -1000.0 < ele < 10000.0:
                (self.track_ele if self.in_point == "track" else self.route_ele)[-1] = ele
        elif self.in_point == "wpt" and self.current_wpt is not None and parent == "wpt":
            if name == "name":
                self.current_wpt.name = value[:200]
            elif name in ("type", "sym") and not self.current_wpt.kind:
                self.current_wpt.kind = value[:60]
            elif name == "desc":
                self.current_wpt.description = value[:1000]
        elif parent in ("metadata", "gpx") and name == "name" and not self.name:
            self.name = value[:200]
        elif parent in ("metadata", "gpx") and name == "desc" and not self.description:
            self.description = value[:2000]


def _refuse_dtd(*args: object) -> None:
    raise GpxError("doctype")


def parse(data: bytes, *, max_bytes: int, max_points: int) -> ParsedGpx:
    """Parse GPX 1.0/1.1 bytes (optionally gzipped). Raises GpxError naming the problem."""
    xml = _to_expat_input(read_bytes(data, max_bytes=max_bytes))
    reader = _Reader(max_points)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, "")
        if not reader.root_seen:
            raise GpxError("not_xml") from exc
        if message == expat.errors.XML_ERROR_INCORRECT_ENCODING or message == expat.errors.XML_ERROR_UNKNOWN_ENCODING:
            raise GpxError("bad_encoding", encoding=_declared_encoding(xml) or "utf-8") from exc
        if message == expat.errors.XML_ERROR_INVALID_TOKEN and _invalid_utf8_at(xml, exc):
            raise GpxError("bad_encoding", encoding=_declared_encoding(xml) or "utf-8") from exc
        raise GpxError("malformed", line=exc.lineno, column=exc.offset) from exc
    if not reader.root_seen:
        raise GpxError("not_xml")
    if reader.track_lat:
        lat, lon, ele, starts, source = (reader.track_lat, reader.track_lon, reader.track_ele, reader.track_starts,
                                         "track")
    elif reader.route_lat:
        lat, lon, ele, starts, source = (reader.route_lat, reader.route_lon, reader.route_ele, reader.route_starts,
                                         "route")
    else:
        raise GpxError("no_points")
    return ParsedGpx(
        lat=np.asarray(lat, dtype=np.float64),
        lon=np.asarray(lon, dtype=np.float64),
        ele=np.asarray(ele, dtype=np.float64),
        segment_starts=sorted(set(starts) | {0}),
        source=source,
        waypoints=reader.waypoints,
        name=reader.name,
        description=reader.description,
    )


def _invalid_utf8_at(xml: bytes, exc: expat.ExpatError) -> bool:
    """True when expat's 'invalid token' is a byte sequence that is not valid UTF-8."""
    declared = _declared_encoding(xml)
    if declared not in (None, "utf-8", "utf8"):
        return False
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
