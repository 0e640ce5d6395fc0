"""Event template helpers."""

from django import template

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """3725 -> "1:02:05"."""
    if seconds is None:
        return ""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
