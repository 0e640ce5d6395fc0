"""Writes every app shares: updating a model's fields (the outbox lives in core.outbox)."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: dict) -> M:
    """Set the fields, validate (full_clean) and save; the caller holds the transaction.
    HackSoft's model_update: one place for the set-clean-save every `*_update` service needs."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance
