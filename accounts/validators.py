"""Phone number validation: mainland China mobiles (+86) and other countries in E.164."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

_SEPARATORS = re.compile(r"[\s\-()]")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(raw: str) -> str:
    """Return the number in E.164 (+8613812345678), or raise ValidationError.

    A bare 11-digit number is read as a mainland mobile; +86 numbers must be mainland mobiles
    (1 followed by 3-9 and nine digits); other countries are accepted in E.164.
    """
    value = _SEPARATORS.sub("", raw or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    if not value:
        raise ValidationError(_("Enter a phone number."), code="empty")
    if not value.startswith("+"):
        if _CN_MOBILE.match(value):
            return "+86" + value
        raise ValidationError(
            _(
                "Enter a mainland China mobile number (11 digits starting with 1) "
                "or an international number starting with +."
            ),
            code="invalid",
        )
    if value.startswith("+86"):
        if _CN_MOBILE.match(value[3:]):
            return value
        raise ValidationError(
            _("A +86 number must be a mainland mobile: 11 digits starting with 13 to 19."), code="invalid_cn"
        )
    if _E164.match(value):
        return value
    raise ValidationError(_("Enter the number in international format, e.g. +85291234567."), code="invalid")


def validate_phone(value: str) -> None:
    normalize_phone(value)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in our catalogue (Django's zh-hans plural form is missing)."""

    def get_error_message(self) -> str:
        return ngettext("This password is too short: use at least %(min_length)d character.",
                        "This password is too short: use at least %(min_length)d characters.",
                        self.min_length) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext("Your password must contain at least %(min_length)d character.",
                        "Your password must contain at least %(min_length)d characters.",
                        self.min_length) % {"min_length": self.min_length}
