"""Validators every app shares."""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class OneLine:
    """No line breaks (or other control characters) in a one-line text: titles and names go into
    e-mail subjects, where a CR or LF is a header injection and a NUL breaks PostgreSQL."""

    message = _("Use one line, without line breaks or control characters.")
    code = "one_line"

    def __call__(self, value: str) -> None:
        if any(ord(ch) < 32 or ord(ch) == 127 or ch in "\u2028\u2029\x85" for ch in str(value)):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OneLine)


one_line = OneLine()
