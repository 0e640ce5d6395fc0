"""Query helpers every selector shares."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def filtered(queryset: QuerySet[M], **lookups: Any) -> QuerySet[M]:
    """The queryset filtered by every lookup whose value was given (None, "" and [] are not),
    the way a search form's empty fields mean "any"."""
    given = {lookup: value for lookup, value in lookups.items() if value not in (None, "", [])}
    return queryset.filter(**given) if given else queryset


K = TypeVar("K")
V = TypeVar("V")


def grouped_page(groups: dict[K, list[V]], number: Any, per_page: int) -> tuple[Page, dict[K, list[V]]]:
    """One page of rows grouped under headings (results by category): the rows in their order
    across the groups, `per_page` of them, regrouped under their headings. `number` as a query
    string gives it: not a number is the first page, past the end the last (Paginator.get_page)."""
    flat = [(key, row) for key, rows in groups.items() for row in rows]
    page = Paginator(flat, per_page).get_page(number)
    shown: dict[K, list[V]] = {}
    for key, row in page.object_list:
        shown.setdefault(key, []).append(row)
    return page, shown
