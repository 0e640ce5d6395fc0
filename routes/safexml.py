"""Reading untrusted XML safely (GPX and TCX): sizes capped before and during decompression,
encodings decoded strictly, a DOCTYPE or any entity declaration refused before it can be expanded
or resolved (billion laughs, external entities), and elements, depth and tag lengths bounded
while streaming (ended). The one regular expression run over a document is linear.

No Django here."""

from __future__ import annotations

import codecs
import contextlib
import gc
import gzip
import io
import re
import zlib
from xml.etree import ElementTree as ET
from xml.parsers import expat

from routes.track import GpxError

_CHUNK = 1 << 16


_INVALID_TOKEN = 4  # expat's XML_ERROR_INVALID_TOKEN, as ElementTree's ParseError.code


_UNDEFINED_ENTITY = 11  # XML_ERROR_UNDEFINED_ENTITY


# Encodings expat decodes itself; any other declared encoding is decoded here, strictly.
_EXPAT_NATIVE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "utf-16", "utf-16le",
                 "utf-16be"}


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


def xml_refusal(xml: bytes, exc: ET.ParseError) -> GpxError:
    """The refusal for a streaming parse error: bad bytes, an entity, or broken XML at a place."""
    line, column = exc.position
    if exc.code == _INVALID_TOKEN and _invalid_utf8_at(xml, exc):
        return GpxError("bad_encoding", encoding=_declared_encoding(xml) or "utf-8")
    if exc.code == _UNDEFINED_ENTITY:
        return GpxError("doctype")
    return GpxError("malformed", line=line, column=column)


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
