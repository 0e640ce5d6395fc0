"""Route template helpers."""

from django import template

from routes.errors import gpx_error_message

register = template.Library()


@register.filter
def version_error(version) -> str:
    """Why a version failed, in the visitor's language."""
    return gpx_error_message(version.error_code, version.error_params) if version.error_code else ""
