"""Phone numbers: mainland China mobiles (+86) and other countries in E.164."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.validators import normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 199 0000 1111", "+8619900001111"),
        ("008613812345678", "+8613812345678"),
        ("+85291234567", "+85291234567"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_phone_valid_numbers_normalise_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "12812345678", "1381234567", "138123456789", "+8612812345678", "+86 10 1234 5678", "0311-1234567",
     "+0123456789", "+12", "phone", "+86138123456a8"],
)
def test_phone_invalid_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_phone_every_mainland_mobile_pattern_is_accepted(second, rest):
    assert normalize_phone(f"1{second}{rest}") == f"+861{second}{rest}"


@given(st.text(max_size=20))
def test_phone_never_crashes_and_only_returns_e164(raw):
    try:
        value = normalize_phone(raw)
    except ValidationError:
        return
    assert value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16
