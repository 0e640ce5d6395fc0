"""The OpenAPI description is true to the API (issue 10): schemathesis generates requests from
/api/schema/ against the app in process, as an anonymous caller and as a signed-in rider, and
every answer must be no 5xx and match the schema (status code, content type, body). Bounded for
CI: a fixed seed (derandomize) and a fixed number of examples per operation. An anonymous caller
gets EXAMPLES cases only where the operation lets anyone in; where it needs a signed-in caller,
every case is refused before its input is read, so AUTH_ONLY cases per mode show that refusal is
as documented (the signed-in run covers those operations' inputs in full)."""

import datetime

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cycling.wsgi import application
from tests.factories import UserFactory
from tests.helpers import make_gpx

EXAMPLES = 12
NEGATIVE = 6  # invalid-input cases per operation: generating them costs ~3x a valid one (hypothesis
# discards the mutations that happen to be valid), and 6 still reach every operation's 4xx paths
AUTH_ONLY = 2
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _multipart_bodies_in_memory(monkeypatch):
    """werkzeug's test client spools a multipart body over 500 KB (a generated upload) to a temporary
    file it never closes (a ResourceWarning, an error here, in whichever test the collector runs):
    kept in memory instead."""
    import io

    import werkzeug.test

    monkeypatch.setattr(werkzeug.test, "TemporaryFile", lambda *args, **kwargs: io.BytesIO())


@pytest.fixture
def api_schema(db, organizer):
    from clubs.services import club_create
    from events.services import event_create, event_publish
    from routes.services import route_import

    now = timezone.now()
    route_import(owner=organizer, data=make_gpx(), filename="七里河.gpx", name="七里河绿道", publish=True)
    event = event_create(created_by=organizer, title="七里河骑行", kind="sportive",
                         starts_at=now + datetime.timedelta(days=20),
                         ends_at=now + datetime.timedelta(days=20, hours=4),
                         registration_opens_at=now - datetime.timedelta(days=1),
                         registration_closes_at=now + datetime.timedelta(days=10),
                         categories=[{"name": "60公里", "capacity": 50}])
    event_publish(event=event)
    club_create(founder=organizer, name="七里河车友会")
    # as Django's test client does: the WSGI app must not close the test's database connection
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _summary(exc: BaseException) -> str:
    """The failure's title and what was received, on one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    keep = [line for line in lines if not line.startswith(("[", "Reproduce", "+", "|", "Schemathesis found"))]
    return " | ".join(keep or lines[:3])[:600]


def open_to_anyone(operation) -> bool:
    """The operation's security allows no credentials (drf-spectacular lists `{}` for AllowAny)."""
    return {} in operation.definition.raw.get("security", [{}])


def negatable(operation) -> bool:
    """Whether invalid input exists for the operation: a body, or a parameter whose schema
    constrains it. A plain string in a path, a query or a header (a slug, the Authorization and
    session headers) has no invalid value, and hypothesis would spend ~0.6 s an operation finding
    that out (Unsatisfiable: 40 operation-callers, 23 of the two tests' 47 s)."""
    if operation.body is not None and len(list(operation.body)):
        return True
    for parameter in operation.iter_parameters():
        schema = parameter.definition.get("schema", {})
        if set(schema) - {"type", "description", "title"} or schema.get("type", "string") != "string":
            return True
    return False


_STRATEGIES: dict = {}


def _strategy(operation, mode):
    """The operation's case strategy, built once a process for both callers (the same schema, from
    the same app): building them (hypothesis-jsonschema reading every body's schema) was ~3.5 s of
    the signed-in run's ~15 s (issue 26)."""
    key = (operation.label, mode)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = operation.as_strategy(generation_mode=mode)
    return _STRATEGIES[key]


def _run(schema, headers: dict, modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE)) -> list[str]:
    """Every operation, EXAMPLES valid and NEGATIVE invalid cases (AUTH_ONLY each for an anonymous
    caller of an operation that needs credentials); the failures, one line each."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            if mode == GenerationMode.NEGATIVE and not negatable(operation):
                continue
            examples = (AUTH_ONLY if not (headers or open_to_anyone(operation))
                        else NEGATIVE if mode == GenerationMode.NEGATIVE else EXAMPLES)
            @given(case=_strategy(operation, mode))
            @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.generate])
            def check(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:  # (negatable() is a cheap first answer; hypothesis has the last word)
                continue
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} [{mode.value}]: {_summary(exc)}")
    return failures


def test_api_answers_anonymous_callers_as_documented(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    open_ones = [op for op in operations if open_to_anyone(op)]
    assert 5 < len(open_ones) < len(operations)  # the split below is real: both kinds exist
    failures = _run(api_schema, {})
    assert not failures, "\n".join(failures)


def test_api_answers_a_signed_in_rider_as_documented(api_schema):
    token = Token.objects.create(user=UserFactory())
    failures = _run(api_schema, {"Authorization": f"Token {token.key}"})
    assert not failures, "\n".join(failures)
