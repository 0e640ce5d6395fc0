"""One door for route and ride files: GPX, FIT or TCX (each optionally gzipped), told apart by
their content, not their name. No Django here."""

from __future__ import annotations

import re

import numpy as np

from routes import fit, gpx, safexml, tcx
from routes.track import GpxError, ParsedTrack

KINDS = ("gpx", "fit", "tcx")
MAX_SEGMENTS = 1_000  # pieces of one line (a recording split at its gaps); real files have a handful
EXTENSIONS = (".gpx", ".gpx.gz", ".fit", ".fit.gz", ".tcx", ".tcx.gz")


# the first element of an XML file, after its declaration, comments, doctype and processing
# instructions: its local name decides the format (a GPX converted from TCX may still declare the
# TCX namespace in its header; the root element is what it is)
_FIRST_ELEMENT = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:<\?.*?\?>|<!--.*?-->|<![^>]*>)\s*)*<([A-Za-z_][\w.:-]*)",
                            re.DOTALL)


def detect(data: bytes) -> str:
    """"fit" for a FIT header, "tcx" when the root element is TrainingCenterDatabase, else "gpx"."""
    if fit.looks_like_fit(data):
        return "fit"
    first = _FIRST_ELEMENT.match(data[:8192])
    if first is not None and first.group(1).rsplit(b":", 1)[-1] == b"TrainingCenterDatabase":
        return "tcx"
    return "gpx"


def parse(data: bytes, *, max_bytes: int, max_points: int, max_fit_bytes: int | None = None,
          with_times: bool = False, max_km: float | None = None) -> ParsedTrack:
    """Parse any supported file; raises GpxError with a code from routes/errors.py. With `max_km`,
    a line longer than that (its segments' great-circle steps added up, a vectorised estimate) is
    refused before any per-metre work (resampling, cues, matching) is done on it."""
    raw = safexml.read_bytes(data, max_bytes=max_bytes)  # gunzipped, both sizes capped
    kind = detect(raw)
    if kind == "fit":
        if max_fit_bytes and len(raw) > max_fit_bytes:
            raise GpxError("too_large", limit_mb=max_fit_bytes // 1_000_000)
        parsed = fit.parse(raw, max_points=max_points)
    elif kind == "tcx":
        parsed = tcx.parse(raw, max_bytes=max_bytes, max_points=max_points)
    else:
        parsed = gpx.parse(raw, max_bytes=max_bytes, max_points=max_points, with_times=with_times)
    pieces = parsed.segments()
    if len(pieces) > MAX_SEGMENTS:
        raise GpxError("too_many_segments", limit=MAX_SEGMENTS)
    if max_km is not None:
        km = line_km(parsed)
        if km > max_km:
            raise GpxError("too_long", km=f"{km:,.0f}", limit_km=f"{max_km:,.0f}")
    return parsed


def line_km(parsed: ParsedTrack) -> float:
    """The length of the line in km: haversine steps within each segment, summed (numpy, O(n))."""
    lat, lon = np.radians(parsed.lat), np.radians(parsed.lon)
    total = 0.0
    for part in parsed.segments():
        a, b = lat[part], lon[part]
        if len(a) < 2:
            continue
        h = np.sin(np.diff(a) / 2) ** 2 + np.cos(a[:-1]) * np.cos(a[1:]) * np.sin(np.diff(b) / 2) ** 2
        total += float(np.sum(2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))))
    return total
