"""Names of the permission groups (django.contrib.auth Group) and the one test for membership."""

from __future__ import annotations

from typing import Any

ORGANIZERS = "organizers"  # may create events and upload routes
ANALYSTS = "analysts"  # may see the industry insights and import sales

ALL = (ORGANIZERS, ANALYSTS)


def in_group(user: Any, name: str) -> bool:
    """Staff, or an authenticated member of the group."""
    return bool(user is not None and user.is_authenticated
                and (user.is_staff or user.groups.filter(name=name).exists()))
