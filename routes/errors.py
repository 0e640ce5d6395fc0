"""Refusals of route and ride files (GPX, FIT, TCX) in the user's language: one message per code."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "too_large": _("The file is larger than the %(limit_mb)s MB limit."),
    "too_large_unzipped": _("The compressed file unpacks to more than the %(limit_mb)s MB limit."),
    "bad_gzip": _("The file looks gzip-compressed but cannot be unpacked."),
    "doctype": _("The file contains a DOCTYPE or entity declaration, which GPX and TCX files never need; it was "
                 "refused for safety."),
    "not_xml": _("The file is neither GPX, TCX (both XML) nor FIT."),
    "not_gpx": _("The file is XML but neither GPX nor TCX (its root element is <%(root)s>)."),
    "malformed": _("The file is broken at line %(line)s, column %(column)s."),
    "unknown_encoding": _("The file declares an unknown character encoding (%(encoding)s)."),
    "bad_encoding": _("The file contains bytes that are not valid in its declared encoding (%(encoding)s)."),
    "too_many_points": _("The file has more than %(limit)s points, the most one route may have."),
    "missing_coordinate": _("A point in the file has no latitude or longitude."),
    "bad_coordinate": _("A point has a latitude or longitude that is not a number (lat=%(lat)s, lon=%(lon)s)."),
    "coordinate_out_of_range": _("A point lies outside the earth's coordinates (lat=%(lat)s, lon=%(lon)s); "
                                 "latitude must be within ±90 and longitude within ±180."),
    "no_points": _("The file has no track or route points."),
    "no_positions": _("The file has no GPS positions (an indoor ride or a recording without GPS), so there is no "
                      "line to show."),
    "fit_header": _("The file is not a FIT file: its header is damaged."),
    "fit_truncated": _("The FIT file is cut short: it ends before the length its header gives. Copy it from the "
                       "device again."),
    "fit_crc": _("The FIT file is damaged: its checksum does not match its contents. Copy it from the device "
                 "again."),
    "fit_corrupt": _("The FIT file is damaged: a message in it cannot be decoded."),
    "empty": _("The file is empty."),
    "too_long": _("The line in the file is %(km)s km long; a route or ride may be at most %(limit_km)s km. Check "
                  "that its points are in the right order and place."),
    "too_many_elements": _("The file has more than %(limit)s XML elements or attributes, far more than its points "
                           "need; it was refused."),
    "tag_too_long": _("An XML tag in the file is longer than %(limit)s bytes (a point with thousands of attributes); "
                      "it was refused."),
    "too_deep": _("The file nests XML elements more than %(limit)s deep, which GPX and TCX files never do; it was "
                  "refused."),
    "too_many_waypoints": _("The file has more than %(limit)s waypoints, the most one route may have. Keep the "
                            "points of interest riders need and upload it again."),
    "too_many_messages": _("The FIT file has more than %(limit)s messages, far more than its points need; it was "
                           "refused."),
    "too_many_segments": _("The line breaks into more than %(limit)s pieces (jumps far longer than its other "
                           "steps); check that the points are in the right order."),
}


def gpx_error_message(code: str, params: dict | None = None) -> str:
    """The message for a refusal code, in the active language."""
    template = MESSAGES.get(code, _("The file could not be read."))
    try:
        return str(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)

