"""Query helpers every selector shares."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def filtered(queryset: QuerySet[M], **lookups: Any) -> QuerySet[M]:
    """The queryset filtered by every lookup whose value was given (None, "" and [] are not),
    the way a search form's empty fields mean "any"."""
    given = {lookup: value for lookup, value in lookups.items() if value not in (None, "", [])}
    return queryset.filter(**given) if given else queryset
