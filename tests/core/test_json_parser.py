"""The API's JSON parser keeps its decoders (core/drf.py) instead of json.loads making one for every
body: what it returns, and what it refuses in which words, is what DRF's own parse gives."""

import io

import pytest
import rest_framework.views  # noqa: F401 (first, as the app loads it: DRF's settings import core.drf)
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as drf_json

from core.drf import JSONParser

BODIES = [
    b'{"category": 12, "accept_waiver": true, "answers": {"size": "M"}}', b"[1, 2.5, null]",
    '{"名": "张三"}'.encode(),
    b'{"a": NaN}', b'{"a": Infinity}', b"-Infinity", b'"\\u00e9"', b"\xef\xbb\xbf{}", b"{", b"", b"{} []", b"\xff\xfe",
    b'{"a": 1e400}', b"  42  ",
]


def _drf(body: bytes, strict: bool):
    """DRF's JSONParser.parse, as it reads a body (its words on a failure)."""
    try:
        text = body.decode("utf-8")
        return "ok", drf_json.loads(text, parse_constant=drf_json.strict_constant if strict else None)
    except ValueError as exc:
        return "error", f"JSON parse error - {exc}"


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("body", BODIES)
def test_the_kept_decoders_answer_as_drf(settings, body, strict):
    parser = JSONParser()
    parser.strict = strict
    try:
        got = "ok", parser.parse(io.BytesIO(body), "application/json", {})
    except ParseError as exc:
        got = "error", str(exc.detail)
    expected = _drf(body, strict)
    if expected[0] == "ok" and isinstance(expected[1], float) and expected[1] != expected[1]:  # NaN
        assert got[0] == "ok" and got[1] != got[1]
    else:
        assert got == expected
