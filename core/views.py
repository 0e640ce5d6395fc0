"""The pages' one error path: a refused service call shown on the form, or as a message.

    with shown_on(form) as outcome:
        event = services.event_create(...)
    if outcome.ok:
        return redirect(...)

Views call services inside `shown_on` and catch nothing themselves; a ServiceError's message is
already in the user's language. A form gets field errors on their fields (a summary at the top
lists them); without a form (`shown_on(request)`) the messages are flashed. A form posted from a
page that does not show it back (a redirect after the POST) flashes its errors: `form_errors_flashed`.
"""

from __future__ import annotations

from types import TracebackType

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest


class shown_on:
    def __init__(self, target: forms.BaseForm | HttpRequest, *, field: str | None = None) -> None:
        self.target = target
        self.field = field  # where messages without a field of their own go (None: the form's top)
        self.ok = True
        self.error: ValidationError | None = None

    def __enter__(self) -> shown_on:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None or not isinstance(exc, ValidationError):
            return False
        self.ok, self.error = False, exc
        if isinstance(self.target, forms.BaseForm):
            self._on_form(self.target, exc)
        else:
            messages.error(self.target, " ".join(exc.messages))
        return True

    def _on_form(self, form: forms.BaseForm, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                target = name if name in form.fields else self.field
                for error in errors:
                    form.add_error(None if name == NON_FIELD_ERRORS else target, error.messages)
        else:
            form.add_error(self.field, exc.messages)


def form_errors_flashed(request: HttpRequest, form: forms.BaseForm) -> None:
    """A form that the page redirected to does not show: each field's errors as one message."""
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))
