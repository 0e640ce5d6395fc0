"""Money: integer fen in storage and arithmetic; yuan only at the edges (forms, API input, display).
Saleor's price_to_minor_unit / price_from_minor_unit habit: one place converts."""

from __future__ import annotations

import decimal
from typing import Any


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
