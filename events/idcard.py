"""Mainland China resident identity numbers (GB 11643-1999): checksum and masking. No Django."""

import datetime

LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    """18 characters, a real birth date in positions 7-14, and the ISO 7064 MOD 11-2 check digit."""
    value = number.strip().upper()
    if len(value) != LENGTH or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return False
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not datetime.date(1900, 1, 1) <= born <= datetime.date.today():
        return False
    return check_digit(value[:17]) == value[17]


def mask(number: str) -> str:
    """1301**********123X -> only the region prefix and the last four characters stay readable."""
    value = number.strip().upper()
    return value[:4] + "*" * max(0, len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def birth_date(number: str) -> datetime.date:
    """The birth date in a valid number (positions 7-14)."""
    value = number.strip()
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender(number: str) -> str:
    """"male" or "female": the 17th digit is odd for men, even for women."""
    return "male" if int(number.strip()[16]) % 2 else "female"
