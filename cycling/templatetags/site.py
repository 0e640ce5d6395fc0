"""Template helpers shared by every page."""

from django import template

from cycling.i18n import localized as _localized

register = template.Library()


@register.filter
def localized(obj: object, field: str) -> str:
    """{{ route|localized:"name" }}: the text in the visitor's language."""
    return _localized(obj, field)
