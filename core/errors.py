"""The one error type of every service: a refused write, its message already in the user's language."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """Raised by a service when a rule refuses the write; nothing was changed.

    `code` comes from the app's code enum (a StrEnum), so callers and API clients can branch on
    it; `params` keep the figures a message was built from (the route ingest stores them to
    translate the message again later). It is a ValidationError, so forms and `full_clean`
    errors travel the same path: the DRF handler in core.drf and core.views.shown_on.
    """

    def __init__(self, message: str | dict[str, list[str]], code: StrEnum | str, *, field: str | None = None,
                 params: dict | None = None, http_status: int = 400) -> None:
        if isinstance(message, dict):  # several fields refused at once: {field: [messages]}
            super().__init__({name: [ValidationError(m, code=str(code)) for m in texts]
                              for name, texts in message.items()})
        elif field:
            super().__init__({field: [ValidationError(message, code=str(code))]})
        else:
            super().__init__(message, code=str(code))
        self.error_code = str(code)
        self.error_params = params or {}
        self.http_status = http_status  # the API answers 400, or 429 for a rate limit


def error_code(exc: ValidationError) -> str:
    """The machine-readable code of any ValidationError: the service's, or Django's own."""
    if isinstance(exc, ServiceError):
        return exc.error_code
    if hasattr(exc, "error_dict"):
        codes = [e.code for errors in exc.error_dict.values() for e in errors if e.code]
    else:
        codes = [e.code for e in exc.error_list if e.code]
    return codes[0] if len(set(codes)) == 1 else "invalid"
