"""How route terms read for people, in their language."""

from django.utils.translation import gettext as _


def climb_names() -> dict[str, str]:
    """Climb categories as cyclists say them: HC (hors catégorie) and categories 4 (easiest) to 1."""
    return {"HC": _("HC climb"), "1": _("Cat 1"), "2": _("Cat 2"), "3": _("Cat 3"), "4": _("Cat 4"), "": ""}


STEEPEST_BELIEVABLE = 30.0  # % over 100 m: steeper is a logger's jump, not a road
LOWEST_BELIEVABLE = -50.0  # m: nothing in Hebei lies lower


def elevation_unreliable(version) -> bool:
    """Whether the file's heights cannot be right (jumps, below sea level in Hebei): the page then
    says so instead of printing impossible grades. (Repairing the heights is the routes issue's.)"""
    if not version.has_elevation:
        return False
    return bool((version.max_gradient or 0) > STEEPEST_BELIEVABLE
                or (version.min_elevation_m is not None and version.min_elevation_m < LOWEST_BELIEVABLE)
                or any(abs(c.get("avg_gradient", 0)) > STEEPEST_BELIEVABLE for c in version.climbs or []))
