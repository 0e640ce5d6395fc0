"""Money: integer fen in storage and arithmetic; yuan only at the edges (forms, API input, display).
Saleor's price_to_minor_unit / price_from_minor_unit habit: one place converts (and YuanField,
the form field where people type yuan)."""

from __future__ import annotations

import decimal
from typing import Any

from django import forms

MAX_FEN = 99_999_999  # ¥999,999.99: the most any price may be (8 digits, as the forms allow)


def fen(yuan_value: Any) -> int:
    """Yuan as entered (Decimal, "120.5", 120) to integer fen; refuses fractions of a fen."""
    value = decimal.Decimal(str(yuan_value)) * 100
    if value != value.to_integral_value():
        raise ValueError("an amount in yuan has at most two decimals")
    return int(value)


def yuan_decimal(fen_value: int | None) -> decimal.Decimal | None:
    """Fen to a Decimal of yuan with two places (a form's initial value, an API's fee_cny)."""
    if fen_value is None:
        return None
    return (decimal.Decimal(int(fen_value)) / 100).quantize(decimal.Decimal("0.01"))


def yuan(fen_value: int | None) -> str:
    """12000 -> "120"; 12050 -> "120.50": an amount in fen, as people read yuan."""
    if fen_value is None:
        return ""
    sign = "-" if fen_value < 0 else ""
    whole, cents = divmod(abs(int(fen_value)), 100)
    return f"{sign}{whole}" if not cents else f"{sign}{whole}.{cents:02d}"


def yuan2(fen_value: int) -> str:
    """Two decimals always ("120.00"): CSVs, receipts, Alipay."""
    sign = "-" if fen_value < 0 else ""
    whole, cents = divmod(abs(int(fen_value)), 100)
    return f"{sign}{whole}.{cents:02d}"


def spec_in_fen(spec: dict, yuan_key: str, fen_key: str) -> dict:
    """An input dict that may give an amount in yuan (`yuan_key`: forms, the API, fixtures) with
    that amount moved to `fen_key` in fen; a dict without it is returned unchanged."""
    if yuan_key not in spec:
        return spec
    spec = dict(spec)
    value = spec.pop(yuan_key)
    spec[fen_key] = None if value is None or value == "" else fen(value)
    return spec


class YuanField(forms.DecimalField):
    """A form field where a person types yuan ("120", "99.5"); it cleans to integer fen and shows a
    stored fen amount as yuan."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 8)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        cleaned = super().clean(value)
        return None if cleaned is None else fen(cleaned)

    def prepare_value(self, value: Any) -> Any:
        return yuan_decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
