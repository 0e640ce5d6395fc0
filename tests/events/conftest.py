"""Fixtures for the event tests (make_event, event and riders live in tests/conftest.py)."""

VALID_ID = "11010519491231002X"  # the GB 11643 standard's own example number
