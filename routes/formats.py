"""One door for route and ride files: GPX, FIT or TCX (each optionally gzipped), told apart by
their content, not their name. No Django here."""

from __future__ import annotations

import re

from routes import fit, gpx, tcx
from routes.gpx import GpxError, ParsedGpx

KINDS = ("gpx", "fit", "tcx")
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
          with_times: bool = False) -> ParsedGpx:
    """Parse any supported file; raises GpxError with a code from routes/errors.py."""
    raw = gpx.read_bytes(data, max_bytes=max_bytes)  # gunzipped, both sizes capped
    kind = detect(raw)
    if kind == "fit":
        if max_fit_bytes and len(raw) > max_fit_bytes:
            raise GpxError("too_large", limit_mb=max_fit_bytes // 1_000_000)
        return fit.parse(raw, max_points=max_points)
    if kind == "tcx":
        return tcx.parse(raw, max_bytes=max_bytes, max_points=max_points)
    return gpx.parse(raw, max_bytes=max_bytes, max_points=max_points, with_times=with_times)
