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


def _outcome(read):
    try:
        return "ok", read()
    except Exception as exc:  # what each path raises is the comparison
        return type(exc).__name__, str(getattr(exc, "detail", exc)), getattr(exc, "status_code", None)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "application/json; charset=gbk", "text/plain",
                                          "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("body", [*BODIES, '{"名": "张三"}'.encode("gbk"), b"a=1&b=2", b"{}" * 40_000])
def test_a_json_body_read_without_negotiation_is_what_request_data_gives(settings, body, content_type):
    """The sign-up reads its JSON body with core.drf.json_data, past DRF's parser negotiation (issue
    27): the same data, the same refusals (400 in the same words, 413 over the limit, 415), and
    request.data afterwards the same again, for a JSON body and for every other."""
    from rest_framework.parsers import FormParser, MultiPartParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.drf import json_data

    settings.API_MAX_BODY_BYTES = 64 * 1024

    def request():
        return Request(APIRequestFactory().post("/x/", body, content_type=content_type),
                       parsers=[JSONParser(), FormParser(), MultiPartParser()])

    fast, slow = request(), request()
    got, expected = _outcome(lambda: json_data(fast)), _outcome(lambda: slow.data)
    if expected[0] == "ok" and expected[1] != expected[1]:  # NaN is never equal to itself
        assert got[0] == "ok" and got[1] != got[1]
    else:
        assert got == expected
    assert _outcome(lambda: fast.data) == _outcome(lambda: slow.data)  # read again: as DRF leaves it


def test_a_view_with_other_parsers_is_left_to_request_data():
    from rest_framework.parsers import FormParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.drf import json_data

    only_forms = Request(APIRequestFactory().post("/x/", b'{"a": 1}', content_type="application/json"),
                         parsers=[FormParser()])
    assert _outcome(lambda: json_data(only_forms))[0] == "UnsupportedMediaType"
