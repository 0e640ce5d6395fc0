"""Declared status transitions: each stateful model has one table of allowed moves, every move goes
through `move` (one row) or `moves` (many rows), is checked against the table and recorded in
`StatusChange` (who, when, from, to, why). Nothing else assigns a status (tests/test_architecture.py
checks the source).

Anchors: django-oscar's `Order.pipeline` + `set_status`, pretalx's `set_submission_state`. The
tables live with the models (`Registration.TRANSITIONS`, `Order.TRANSITIONS` ...); the apps' doors
(`registration_move`, `order_move` ...) call these helpers with their table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.models import StatusChange

NEW = ""  # the "from" of a row's first status (it was created in it)


class IllegalTransition(ServiceError):
    """A move the table does not allow: a bug in the caller, or a race lost to another writer."""


def subject_of(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def allowed(table: Mapping[str, Iterable[str]], old: str, new: str) -> bool:
    return new in table.get(old, ())


def check(table: Mapping[str, Iterable[str]], model: type[models.Model] | models.Model, old: str, new: str) -> None:
    if not allowed(table, old, new):
        raise IllegalTransition(
            _("This change is not possible now (%(model)s: %(old)s → %(new)s).")
            % {"model": model._meta.verbose_name, "old": old or "new", "new": new}, "illegal_transition",
            http_status=409)


def _row(subject: str, object_id: int, old: str, new: str, by: Any, why: str, at: Any) -> Any:
    return StatusChange(subject=subject, object_id=object_id, from_status=old, to_status=new,
                        by_id=getattr(by, "pk", by), why=why[:200], at=at)


def created(obj: models.Model, *, table: Mapping[str, Iterable[str]], by: Any = None, why: str = "") -> None:
    """Record the first status of a row just inserted (checked as a move from NEW)."""
    status = obj.status  # type: ignore[attr-defined]
    check(table, obj, NEW, status)
    _row(subject_of(obj), obj.pk, NEW, status, by, why, timezone.now()).save()


def created_many(model: type[models.Model], rows: Iterable[tuple[int, str]], *, table: Mapping[str, Iterable[str]],
                 by: Any = None, why: str = "") -> None:
    """Record the first status of rows inserted in bulk: (pk, status) pairs."""
    record(model, ((pk, NEW, status) for pk, status in rows), table=table, by=by, why=why)


def record(model: type[models.Model], changes: Iterable[tuple[int, str, str]], *,
           table: Mapping[str, Iterable[str]], by: Any = None, why: str = "") -> None:
    """Check and record moves the caller wrote itself in bulk: (pk, from, to) triples (a ballot
    draw gives each entry its own outcome in one statement)."""
    now, subject = timezone.now(), subject_of(model)
    rows = []
    for pk, old, new in changes:
        check(table, model, old, new)
        rows.append(_row(subject, pk, old, new, by, why, now))
    StatusChange.objects.bulk_create(rows, batch_size=1000)


def move(obj: models.Model, to: str, *, table: Mapping[str, Iterable[str]], by: Any = None, why: str = "",
         fields: Iterable[str] = ()) -> bool:
    """Move one row (the caller holds its lock) to a new status and save it with `fields`; a move
    to the status it has already changes nothing (returns False) but saves `fields`."""
    old = obj.status  # type: ignore[attr-defined]
    fields = list(fields)
    if old == to:
        if fields:
            obj.save(update_fields=fields)
        return False
    check(table, obj, old, to)
    obj.status = to  # type: ignore[attr-defined]
    obj.save(update_fields=["status", *fields])
    _row(subject_of(obj), obj.pk, old, to, by, why, timezone.now()).save()
    return True


def moves(queryset: models.QuerySet, to: str, *, table: Mapping[str, Iterable[str]], by: Any = None, why: str = "",
          **also: Any) -> list[int]:
    """Move many rows (the caller holds their locks) in one UPDATE, each checked and recorded;
    rows already in `to` are left alone. Returns the pks moved."""
    model = queryset.model
    current = list(queryset.exclude(status=to).values_list("pk", "status"))
    for _pk, old in current:
        check(table, model, old, to)  # before anything is written
    if not current:
        return []
    pks = [pk for pk, _old in current]
    model._default_manager.filter(pk__in=pks).update(status=to, **also)
    record(model, ((pk, old, to) for pk, old in current), table=table, by=by, why=why)
    return pks


def history(obj: models.Model) -> models.QuerySet:
    return StatusChange.objects.filter(subject=subject_of(obj), object_id=obj.pk).order_by("at", "pk")
