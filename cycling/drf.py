"""API helpers shared by every app's api.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError


def as_drf_error(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's 400, its messages already in the caller's language."""
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"detail": exc.messages})
