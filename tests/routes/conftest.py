"""Route test helpers (the fixtures live in tests/conftest.py)."""

from tests.helpers import make_gpx

__all__ = ["make_gpx"]
