"""Unique, readable slugs for any model with a unique `slug` field (Chinese kept as is)."""

from django.db import models
from django.utils.text import slugify


def unique_slug(model: type[models.Model], text: str, *, fallback: str, reserved: frozenset[str] = frozenset(),
                max_length: int = 70) -> str:
    """slugify(text), or `fallback`; prefixed when it is a reserved URL segment; `-2`, `-3`...
    appended until no row of `model` has it."""
    base = slugify(text, allow_unicode=True)[:max_length] or fallback
    if base in reserved:
        base = f"{fallback}-{base}"
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
