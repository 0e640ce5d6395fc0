"""Unique, readable slugs for any model with a unique `slug` field (Chinese kept as is)."""

import secrets
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

SAVE_ATTEMPTS = 12


def unique_slug(model: type[models.Model], text: str, *, fallback: str, reserved: frozenset[str] = frozenset(),
                max_length: int = 70, random_suffix: bool = False) -> str:
    """slugify(text), or `fallback`; prefixed when it is a reserved URL segment; `-2`, `-3`...
    appended until no row of `model` has it (a short random suffix once racing writers keep
    taking the same numbers)."""
    base = slugify(text, allow_unicode=True)[:max_length] or fallback
    if base in reserved:
        base = f"{fallback}-{base}"
    if random_suffix:
        base = f"{base}-{secrets.token_hex(2)}"
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def insert_with_unique_slug(instance: Any, *, text: str, fallback: str,
                            reserved: frozenset[str] = frozenset()) -> None:
    """Insert `instance` (its slug chosen by unique_slug): when a concurrent writer took the same
    slug between the check and the insert, choose again instead of failing with a 500."""
    model = type(instance)
    for attempt in range(SAVE_ATTEMPTS):
        try:
            with transaction.atomic():
                instance.save(force_insert=True)
            return
        except IntegrityError:
            if not model._default_manager.filter(slug=instance.slug).exists() or attempt == SAVE_ATTEMPTS - 1:
                raise
            instance.slug = unique_slug(model, text, fallback=fallback, reserved=reserved,
                                        random_suffix=attempt >= 2)
