"""Template helpers shared by every page."""

from django import template

from core.i18n import localized as _localized

register = template.Library()


@register.filter
def localized(obj: object, field: str) -> str:
    """{{ route|localized:"name" }}: the text in the visitor's language."""
    return _localized(obj, field)


@register.filter
def km(metres: float | None) -> str:
    """Metres as kilometres with one decimal: 18026.9 -> "18.0"."""
    return "" if metres is None else f"{metres / 1000:.1f}"


@register.filter
def hours_minutes(hours: float) -> str:
    """2.25 -> "2:15"."""
    minutes = round(hours * 60)
    return f"{minutes // 60}:{minutes % 60:02d}"
