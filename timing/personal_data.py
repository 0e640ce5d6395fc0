"""timing's part of a rider's data (core.personal_data): their race results as timed, their passings'
times and the positions their phone shared; erasure takes the positions and the sharing consent
(results stay with the anonymised registration, as the events app keeps it)."""

from __future__ import annotations

from typing import Any

from timing.models import Passing, Position, Result, Tracker


def export(user: Any) -> dict:
    return {
        "results": [{"event": r.event.title, "status": r.status, "gun_seconds": r.gun_seconds,
                     "chip_seconds": r.chip_seconds, "rank": r.rank, "splits": r.splits}
                    for r in Result.objects.filter(registration__rider=user).select_related("event")],
        "passings": [{"event_id": p.event_id, "point": p.point, "at": p.at}
                     for p in Passing.objects.filter(registration__rider=user, voided_at=None).order_by("at")],
        "positions": [{"event_id": p.event_id, "at": p.at, "lat": p.lat, "lon": p.lon, "accuracy_m": p.accuracy_m,
                       "sos": p.sos} for p in Position.objects.filter(registration__rider=user).order_by("at")],
    }


def erase(user: Any) -> None:
    Position.objects.filter(registration__rider=user).delete()
    Tracker.objects.filter(registration__rider=user).delete()
