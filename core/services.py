"""Writes every app shares: updating a model's fields, claiming a notification once."""

from __future__ import annotations

from typing import TypeVar

from django.db import IntegrityError, models, transaction

from core.models import Notification

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: dict) -> M:
    """Set the fields, validate (full_clean) and save; the caller holds the transaction.
    HackSoft's model_update: one place for the set-clean-save every `*_update` service needs."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def notification_claim(key: str) -> bool:
    """True once per key: the caller may send; False when it was sent before (a retried task).
    Call it inside the transaction that sends, so that a failed send releases the claim."""
    try:
        with transaction.atomic():
            Notification.objects.create(key=key)
    except IntegrityError:
        return False
    return True
