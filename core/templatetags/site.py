"""Template helpers shared by every page."""

import datetime

from django import forms, template
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import money, times
from core.i18n import localized as _localized

register = template.Library()


@register.simple_tag
def refresh_meta() -> str:
    """The tag that reloads a page waiting for a worker (a ride being measured, an import, a report)
    every PENDING_REFRESH_SECONDS (3; the tests' settings 1, so a browser test waits less)."""
    return format_html('<meta http-equiv="refresh" content="{}">', settings.PENDING_REFRESH_SECONDS)


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


@register.filter
def duration(seconds: float | None) -> str:
    """Elapsed seconds as H:MM:SS: 3725 -> "1:02:05"."""
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _form_errors(form: forms.BaseForm, prefix: str = "") -> list[tuple[str, str, str]]:
    rows = [(prefix.rstrip(" ·"), str(message), "") for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            continue
        field = form[name]
        label = f"{prefix}{field.label}" if field.label else prefix.rstrip(" ·")
        rows += [(str(label), str(message), field.id_for_label) for message in messages]
    return rows


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms_or_sets: object) -> dict:
    """{% error_summary form formset ... %}: every error of the bound forms, at the top of the
    page, each linked to its field (site.js moves the focus here after a failed submit)."""
    errors: list[tuple[str, str, str]] = []
    for item in forms_or_sets:
        if isinstance(item, forms.BaseForm) and item.is_bound:
            errors += _form_errors(item)
        elif isinstance(item, forms.BaseFormSet) and item.is_bound:
            errors += [("", str(message), "") for message in item.non_form_errors()]
            kind = {"cat": _("Category"), "q": _("Question")}.get(item.prefix or "", _("Item"))
            for number, form in enumerate(item.forms, start=1):
                errors += _form_errors(form, prefix=f"{kind} {number} · ")
    return {"errors": errors}


@register.filter
def yuan(fen: int | None) -> str:
    """12000 -> "120"; 12050 -> "120.50": an amount in fen, as people read yuan (core.money)."""
    return money.yuan(fen)


@register.filter
def money_line(fen: int) -> str:
    """An order line's amount with its sign before the currency: "¥150", "−¥30" (a discount)."""
    return f"−¥{money.yuan(-fen)}" if fen < 0 else f"¥{money.yuan(fen)}"


@register.filter
def local_time(value: datetime.datetime | None, fmt: str = "Y-m-d H:i") -> str:
    """An instant in the event's time zone (core.times), the same text as e-mails and CSVs."""
    return times.when(value, fmt=fmt)
