"""Routes a rider uploaded (their names; the routes themselves stay published under the site), their
rides (the files go with the account) and route completions."""

from __future__ import annotations

from typing import Any

from routes.models import Completion, Ride, Route


def export(user: Any) -> dict[str, list[dict]]:
    routes = [{"route": r.name, "slug": r.slug, "created_at": getattr(r, "created_at", None)}
              for r in Route.objects.filter(owner=user).order_by("pk")]
    rides = [{
        "ride": ride.pk, "file": ride.original_filename, "format": ride.file_format, "started_at": ride.started_at,
        "distance_m": ride.distance_m, "elapsed_s": ride.elapsed_s, "line": ride.line,
        "completions": [{"route": c.route.name, "coverage": c.coverage, "complete": c.complete,
                         "elapsed_s": c.elapsed_s}
                        for c in Completion.objects.filter(ride=ride).select_related("route")],
    } for ride in Ride.objects.filter(rider=user).order_by("pk")]
    return {"routes": routes, "rides": rides}


def erase(user: Any) -> None:
    from routes.services.rides import rides_erase  # noqa: PLC0415 - services import models at ready time

    rides_erase(user)
