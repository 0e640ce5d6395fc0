"""Reading an uploaded route or ride file under the site's caps: one door, one refusal path."""

from __future__ import annotations

from django.conf import settings

from core.errors import ServiceError
from routes import fit, formats, gpx, safexml, track
from routes.errors import gpx_error_message

UPLOAD_FIELD = "gpx"  # the file's field in the upload form and API: refusals are shown on it


def gpx_refusal(code: str, params: dict | None = None) -> ServiceError:
    """A refused file: `code` is the GpxError code (routes/errors.py), the message in the active
    language; `params` are kept so that a version that failed later can say why again."""
    return ServiceError(gpx_error_message(code, params), code, field=UPLOAD_FIELD, params=params)


def too_large_refusal() -> ServiceError:
    return gpx_refusal("too_large", {"limit_mb": settings.ROUTE_MAX_UPLOAD_BYTES // 1_000_000})


def gpx_upload_read(upload) -> bytes:
    """The bytes of an uploaded file, refused before reading when it is over the size cap."""
    if upload.size > settings.ROUTE_MAX_UPLOAD_BYTES:
        raise too_large_refusal()
    return upload.read()


def file_parse(data: bytes, *, with_times: bool = False) -> track.ParsedTrack:
    """A GPX, FIT or TCX file's points under the site's caps. Raises ServiceError (gpx_refusal)."""
    if not data:
        raise gpx_refusal("empty")
    try:
        return formats.parse(data, max_bytes=settings.ROUTE_MAX_UPLOAD_BYTES, max_points=settings.ROUTE_MAX_POINTS,
                             max_fit_bytes=settings.ROUTE_MAX_FIT_BYTES, with_times=with_times,
                             max_km=settings.ROUTE_MAX_KM)
    except gpx.GpxError as exc:
        raise gpx_refusal(exc.code, exc.params) from exc


FIT_WEIGHT = 10  # a FIT file packs about ten times as many points a byte as GPX, and decodes slower


def measured_later(data: bytes) -> bool:
    """True when a worker measures the file rather than the request: its unpacked size (a FIT
    counted tenfold) is over ROUTE_ASYNC_THRESHOLD_BYTES. A gzipped upload is judged by what it
    unpacks to, so 20 KB that unpack to 20 MB are not worked on in the request. Raises ServiceError
    for an upload over the caps or a broken gzip."""
    if len(data) > settings.ROUTE_MAX_UPLOAD_BYTES:
        raise too_large_refusal()
    try:
        raw = safexml.read_bytes(data, max_bytes=settings.ROUTE_MAX_UPLOAD_BYTES)
    except gpx.GpxError as exc:
        raise gpx_refusal(exc.code, exc.params) from exc
    weight = len(raw) * (FIT_WEIGHT if fit.looks_like_fit(raw) else 1)
    return weight > settings.ROUTE_ASYNC_THRESHOLD_BYTES
