"""How route terms read for people, in their language."""

from django.utils.translation import gettext as _


def climb_names() -> dict[str, str]:
    """Climb categories as cyclists say them: HC (hors catégorie) and categories 4 (easiest) to 1."""
    return {"HC": _("HC climb"), "1": _("Cat 1"), "2": _("Cat 2"), "3": _("Cat 3"), "4": _("Cat 4"), "": ""}


def elevation_unreliable(version) -> bool:
    """Whether the file's heights are too broken to trust even after repair (routes/geo.py): the
    page then says so instead of printing climbs and grades."""
    return bool(version.has_elevation and version.elevation_quality == "unreliable")
