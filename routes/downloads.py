"""Route downloads: the original file, a cleaned GPX (written by gpxpy, cues as waypoints), GeoJSON, and
courses for bike computers (FIT, TCX) with course points for the cues."""

from __future__ import annotations

import json
from urllib.parse import quote

import gpxpy.gpx
from django.conf import settings
from django.http import Http404

from core.i18n import localized
from routes import courses, formats, track
from routes.models import RouteVersion

CONTENT_TYPES = {"gpx": "application/gpx+xml", "tcx": "application/vnd.garmin.tcx+xml",
                 "fit": "application/vnd.ant.fit"}


def _parsed(version: RouteVersion) -> track.ParsedTrack:
    with version.gpx_file.open("rb") as handle:
        return formats.parse(handle.read(), max_bytes=settings.ROUTE_MAX_UPLOAD_BYTES,
                             max_points=settings.ROUTE_MAX_POINTS)


def _base_name(version: RouteVersion) -> str:
    return f"{version.route.slug}-v{version.number}"


def render(*, version: RouteVersion, fmt: str) -> tuple[bytes, str, str]:
    """(body, content type, url-quoted filename) for one download format."""
    if fmt == "original":
        with version.gpx_file.open("rb") as handle:
            body = handle.read()
        kind = version.file_format or "gpx"
        name = version.original_filename or f"{_base_name(version)}.{kind}"
        gzipped = body[:2] == b"\x1f\x8b"
        return body, "application/gzip" if gzipped else CONTENT_TYPES[kind], quote(name)
    if fmt == "gpx":
        return clean_gpx(version).encode("utf-8"), "application/gpx+xml", quote(f"{_base_name(version)}.gpx")
    if fmt in ("fit", "tcx"):
        course = _course(version)
        body = courses.fit_bytes(course) if fmt == "fit" else courses.tcx_bytes(course)
        return body, CONTENT_TYPES[fmt], quote(f"{_base_name(version)}.{fmt}")
    if fmt == "geojson":
        body = json.dumps(geojson(version), ensure_ascii=False).encode("utf-8")
        return body, "application/geo+json", quote(f"{_base_name(version)}.geojson")
    raise Http404


def clean_gpx(version: RouteVersion) -> str:
    """GPX 1.1 with the route's points and waypoints only, written by gpxpy."""
    parsed = _parsed(version)
    out = gpxpy.gpx.GPX()
    out.creator = "Xingtai Cycling"
    out.name = localized(version.route, "name")
    track = gpxpy.gpx.GPXTrack(name=out.name)
    for sl in parsed.segments():
        segment = gpxpy.gpx.GPXTrackSegment()
        for lat, lon, ele in zip(parsed.lat[sl], parsed.lon[sl], parsed.ele[sl]):
            segment.points.append(gpxpy.gpx.GPXTrackPoint(
                float(lat), float(lon), elevation=None if ele != ele else float(ele)))  # NaN != NaN
        track.segments.append(segment)
    out.tracks.append(track)
    for poi in version.pois.all():
        out.waypoints.append(gpxpy.gpx.GPXWaypoint(poi.lat, poi.lon, name=poi.name or None, type=poi.kind))
    for cue in version.cues.all():
        if cue.source != cue.Source.POI:  # points of interest are waypoints already
            out.waypoints.append(gpxpy.gpx.GPXWaypoint(
                cue.lat, cue.lon, name=cue.label, symbol=GPX_SYMBOLS.get(cue.kind, "Waypoint"), type=f"cue:{cue.kind}",
                comment=f"{cue.distance_m / 1000:.2f} km"))
    return out.to_xml(version="1.1")


# Garmin's waypoint symbol names, which most devices and apps draw
GPX_SYMBOLS = {"left": "Left", "right": "Right", "slight_left": "Left", "slight_right": "Right",
               "sharp_left": "Left", "sharp_right": "Right", "u_turn": "U Turn", "straight": "Straight",
               "start": "Flag, Green", "finish": "Flag, Red", "water": "Drinking Water", "food": "Restaurant",
               "repair": "Bike Trail", "danger": "Danger Area", "control": "Flag, Blue", "viewpoint": "Scenic Area"}


def _course(version: RouteVersion) -> courses.Course:
    parsed = _parsed(version)
    points = [courses.CoursePointIn(distance_m=c.distance_m, kind=c.kind, name=c.label) for c in version.cues.all()]
    return courses.build(localized(version.route, "name"), parsed.lat, parsed.lon, parsed.ele, parsed.segments(),
                         points)


def geojson(version: RouteVersion) -> dict:
    parsed = _parsed(version)
    lines = []
    for sl in parsed.segments():
        coords = []
        for lat, lon, ele in zip(parsed.lat[sl], parsed.lon[sl], parsed.ele[sl]):
            coords.append([float(lon), float(lat)] if ele != ele else [float(lon), float(lat), float(ele)])
        lines.append(coords)
    features = [{
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": lines},
        "properties": {"name": version.route.name, "name_en": version.route.name_en, "version": version.number,
                       "distance_m": version.distance_m, "elevation_gain_m": version.elevation_gain_m},
    }]
    features += [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [poi.lon, poi.lat]},
        "properties": {"name": poi.name, "kind": poi.kind},
    } for poi in version.pois.all()]
    return {"type": "FeatureCollection", "features": features}
