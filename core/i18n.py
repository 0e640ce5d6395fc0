"""Bilingual content: models keep Chinese in `field` and English in `field_en`."""

from django.utils import translation


def localized(obj: object, field: str) -> str:
    """The English text when English is active and present, else the Chinese original."""
    if (translation.get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)
