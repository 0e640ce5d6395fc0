"""Cue sheets: turns found in a version's geometry (routes/cues.py) and its points of interest,
placed along the route; organizers rename, delete and add lines."""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ServiceError
from routes import cues, track
from routes.models import CUE_ADDABLE_KINDS, Cue, PointOfInterest, RouteVersion
from routes.services.files import file_parse

POI_CUE_KINDS: dict[str, str] = {
    PointOfInterest.Kind.WATER: Cue.Kind.WATER, PointOfInterest.Kind.FOOD: Cue.Kind.FOOD,
    PointOfInterest.Kind.REPAIR: Cue.Kind.REPAIR, PointOfInterest.Kind.VIEWPOINT: Cue.Kind.VIEWPOINT,
    PointOfInterest.Kind.DANGER: Cue.Kind.DANGER, PointOfInterest.Kind.OTHER: Cue.Kind.OTHER,
}


def _stored(version: RouteVersion) -> track.ParsedTrack:
    """The version's own file, read again."""
    with version.gpx_file.open("rb") as handle:
        return file_parse(handle.read())


def _geometry(version: RouteVersion) -> list[cues.Resampled]:
    parsed = _stored(version)
    return cues.detect(parsed.lat, parsed.lon, parsed.segments())[1]


@transaction.atomic
def cues_build(*, version: RouteVersion, parsed: track.ParsedTrack | None = None) -> int:
    """Make a ready version's cue sheet once: start, turns, points of interest, finish. Returns
    the number of lines (0 when it was made before: the organizer's edits are kept)."""
    locked = RouteVersion.objects.select_for_update().get(pk=version.pk)
    if locked.cues_built or locked.status != RouteVersion.Status.READY:
        return 0
    if parsed is None:
        parsed = _stored(locked)
    turns, parts = cues.detect(parsed.lat, parsed.lon, parsed.segments())
    rows = [Cue(version=locked, distance_m=0.0, lat=float(parsed.lat[0]), lon=float(parsed.lon[0]),
                kind=Cue.Kind.START)]
    rows += [Cue(version=locked, distance_m=round(t.distance_m, 1), lat=t.lat, lon=t.lon, kind=t.kind,
                 angle=round(t.angle, 1)) for t in turns]
    pois = list(locked.pois.all())
    spots = cues.along_many(parts, np.array([p.lat for p in pois]), np.array([p.lon for p in pois]))
    for poi, placed in zip(pois, spots, strict=True):
        if placed is not None:
            rows.append(Cue(version=locked, distance_m=round(placed[0], 1), lat=poi.lat, lon=poi.lon,
                            kind=POI_CUE_KINDS.get(poi.kind, Cue.Kind.OTHER), text=poi.name[:120],
                            source=Cue.Source.POI))
    end = float(parts[-1].distance[-1]) if parts else 0.0
    rows.append(Cue(version=locked, distance_m=round(end, 1), lat=float(parsed.lat[-1]), lon=float(parsed.lon[-1]),
                    kind=Cue.Kind.FINISH))
    Cue.objects.bulk_create(rows)
    RouteVersion.objects.filter(pk=locked.pk).update(cues_built=True)
    version.cues_built = True
    return len(rows)


def cues_ensure(*, version: RouteVersion) -> None:
    """Versions measured before cue sheets existed get theirs the first time one is asked for."""
    if not version.cues_built and version.status == RouteVersion.Status.READY:
        cues_build(version=version)


def _cue_of(version: RouteVersion, cue_id: int) -> Cue:
    cue = Cue.objects.filter(version=version, pk=cue_id).first()
    if cue is None:
        raise ServiceError(_("That cue is not on this route's cue sheet."), "cue_unknown")
    return cue


def _text(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 120:
        raise ServiceError(_("A cue's text can be at most 120 characters."), "cue_text_long", field="text")
    return text


def cue_rename(*, version: RouteVersion, cue_id: int, text: str) -> Cue:
    """New words for a line (blank: the kind's own words again)."""
    cue = _cue_of(version, cue_id)
    cue.text = _text(text)
    cue.save(update_fields=["text"])
    return cue


def cue_delete(*, version: RouteVersion, cue_id: int) -> None:
    cue = _cue_of(version, cue_id)
    if cue.kind in (Cue.Kind.START, Cue.Kind.FINISH):
        raise ServiceError(_("The start and finish stay on the cue sheet; rename them instead."), "cue_fixed")
    cue.delete()


def cue_add(*, version: RouteVersion, kind: str, text: str, distance_km: float) -> Cue:
    """An organizer's own line, at a distance along the route (its place is found on the line)."""
    if kind not in CUE_ADDABLE_KINDS:
        raise ServiceError(_("Choose what kind of cue this is."), "cue_kind", field="kind")
    length_km = version.distance_m / 1000
    if not 0 <= distance_km <= length_km + 0.05:
        raise ServiceError(_("The distance must be between 0 and %(km).1f km, the length of the route.")
                           % {"km": length_km}, "cue_distance", field="distance_km")
    text = _text(text)
    lat, lon = cues.point_at(_geometry(version), distance_km * 1000)
    return Cue.objects.create(version=version, distance_m=round(distance_km * 1000, 1), lat=lat, lon=lon, kind=kind,
                              text=text, source=Cue.Source.ORGANIZER)
