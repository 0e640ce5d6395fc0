"""What the events pages of several audiences share: a category's row with its profile, the map
settings, and the organizer forms' specs as the services take them."""

from __future__ import annotations

from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.i18n import localized
from core.parse import whole_number
from events.models import Event
from events.selectors.extras import fee_in_force
from routes.labels import climb_names
from routes.svg import profile_svg


def category_rows(event: Event) -> list[dict]:
    rows = []
    for category in event.categories.all():
        version = category.route_version
        svg = ""
        if version and version.profile:
            svg = mark_safe(profile_svg(  # noqa: S308 - numbers and escaped labels only
                version.profile, version.climbs, title=localized(category, "name"), km_label=_("km"), m_label=_("m"),
                climb_names=climb_names()))
        rows.append({"category": category, "seats_left": max(0, category.capacity - category.seated),
                     "version": version, "profile_svg": svg, "fee": fee_in_force(category)})
    return rows


def map_settings() -> dict:
    """Map tiles for pages that draw a map (GCJ-02 tiles would need conversion: pickers use WGS-84)."""
    return {"map_tiles": settings.MAP_TILE_URL if settings.MAP_TILE_CRS != "gcj02" else "",
            "map_attribution": settings.MAP_TILE_ATTRIBUTION}


def category_spec(data: dict) -> dict:
    route = data.get("route")
    return {
        "name": data["name"], "name_en": data.get("name_en", ""), "capacity": data["capacity"],
        "fee_fen": data.get("fee_cny") or 0, "waitlist_enabled": data.get("when_full") != "refuse",
        "min_age": data.get("min_age"), "max_age": data.get("max_age"), "gender": data.get("gender") or "",
        "route_version": route.current_version if route else None,
    }


def category_specs(formset) -> list[dict]:
    """The filled forms (a blank extra form is unchanged, so empty: ignored)."""
    return [category_spec(data) for data in formset.cleaned_data if data and not data.get("DELETE")]


def question_spec(data: dict, position: int) -> dict:
    choices = [c.strip() for c in (data.get("choices") or "").replace("，", ",").split(",") if c.strip()]
    return {"key": slugify(data.get("label_en") or "", allow_unicode=False)[:30] or f"q{position + 1}",
            "label": data["label"], "label_en": data.get("label_en", ""), "kind": data["kind"],
            "required": data.get("required", False), "choices": choices}


def question_specs(formset) -> list[dict]:
    return [question_spec(data, position) for position, data in enumerate(d for d in formset.cleaned_data if d)]


def posted_id(request, name: str) -> int:
    """The id of a row the form posted under `name`; 0 (no row has it) when it is not a whole number."""
    return whole_number(request.POST.get(name, "")) or 0
