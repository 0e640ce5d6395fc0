"""Route template helpers."""

from django import template

from accounts.models import Gender
from core import ages
from routes.errors import gpx_error_message
from routes.labels import climb_names

register = template.Library()


@register.filter
def version_error(version) -> str:
    """Why a version failed, in the visitor's language."""
    return gpx_error_message(version.error_code, version.error_params) if version.error_code else ""


@register.filter
def climb_name(category: str) -> str:
    """"4" -> "四级坡" / "Cat 4"; "HC" -> "超级坡" / "HC climb"."""
    return climb_names().get(category, category)


CUE_ICONS = {
    "start": "▶", "finish": "■", "left": "←", "right": "→", "slight_left": "↖", "slight_right": "↗",
    "sharp_left": "↙", "sharp_right": "↘", "u_turn": "↶", "straight": "↑", "water": "💧", "food": "🍜",
    "repair": "🔧", "viewpoint": "👁", "danger": "⚠", "control": "✓", "other": "•",
}


@register.filter
def cue_icon(kind: str) -> str:
    """An arrow or symbol for a cue kind (beside its words, never instead of them)."""
    return CUE_ICONS.get(kind, "•")


@register.filter
def age_band_label(key: str) -> str:
    return ages.age_band_label(key)


@register.filter
def gender_label(key: str) -> str:
    return str(dict(Gender.choices).get(key, key))
