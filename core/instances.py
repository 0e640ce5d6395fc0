"""A model instance for a new row, built the way Django builds rows read from the database.

``Model(**values)`` walks every field, looks each up among the keywords and goes through the
relation descriptors: 21 us for a registration (35 fields), against 6 us for the positional
path Django takes for rows it reads (``Model.from_db``). The sign-up of a rush builds one per
rider and, under load, every microsecond of its Python counts about twice in the machine's CPU
(issue 27, ``bench/registration_rush.py``). ``new()`` gives the same instance as the keyword
constructor, field by field and with the related objects given cached
(tests/core/test_instances.py); use it on hot paths only: the keyword constructor says more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

# model -> (defaults in field order, {attname: position}, {relation name: (attname, field)},
#           [(position, default callable)]) : built once per model, after the app registry is ready
_PLANS: dict[type, tuple[list[Any], dict[str, int], dict[str, tuple[str, Any]], list[tuple[int, Callable]]]] = {}


def _plan(model: type[models.Model]) -> tuple:
    plan = _PLANS.get(model)
    if plan is None:
        fields = model._meta.concrete_fields
        called = {i for i, f in enumerate(fields) if f.has_default() and callable(f.default)}  # dict, a key maker
        fresh = [(i, fields[i].get_default) for i in sorted(called)]
        defaults = [None if i in called else f.get_default() for i, f in enumerate(fields)]
        plan = _PLANS[model] = (defaults, {f.attname: i for i, f in enumerate(fields)},
                                {f.name: (f.attname, f) for f in fields if f.is_relation}, fresh)
    return plan


def new(model: type[M], **values: Any) -> M:
    """``model(**values)`` for a new row, faster: values by attname (``event_id``) or by relation
    (``event``: its key taken and the object cached, as the descriptor does); the rest defaults."""
    defaults, position, relations, fresh = _plan(model)
    row = defaults.copy()
    for index, default in fresh:
        row[index] = default()
    related = []
    for name, value in values.items():
        relation = relations.get(name)
        if relation is not None:
            attname, field = relation
            row[position[attname]] = None if value is None else value.pk
            related.append((field, value))
        else:
            row[position[name]] = value  # (an unknown name: KeyError, as the constructor's TypeError)
    instance = model(*row)
    for field, value in related:
        field.set_cached_value(instance, value)
    return instance
