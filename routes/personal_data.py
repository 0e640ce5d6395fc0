"""Routes a rider uploaded (their names; the routes themselves stay published under the site)."""

from __future__ import annotations

from typing import Any

from routes.models import Route


def export(user: Any) -> list[dict]:
    return [{"route": r.name, "slug": r.slug, "created_at": getattr(r, "created_at", None)}
            for r in Route.objects.filter(owner=user).order_by("pk")]
