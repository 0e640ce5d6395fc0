"""Issue 24: every insights endpoint answers as its schema says, on the demo's data (not only on an
empty database), for an analyst: schemathesis validates each answer (status, content type, body)
against /api/schema/, with real parameters (an event, a sales import) and with generated ones."""

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from cycling.wsgi import application
from tests.factories import UserFactory
from tests.test_openapi import CHECKS, _run


@pytest.fixture
def loaded_schema(db):
    from tests.demo_snapshot import demo_loaded

    demo_loaded(with_stats=True)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _analyst():
    analyst = UserFactory(username="schema-analyst")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    return analyst, {"Authorization": f"Token {Token.objects.create(user=analyst).key}"}


def test_insights_endpoints_answer_as_documented_on_the_demo(loaded_schema):
    from industry.models import SalesImport, Sponsorship

    analyst, headers = _analyst()
    event = Sponsorship.objects.get(brand__slug="xinghe-kids").event
    job = SalesImport.objects.create(status="done", uploaded_by=analyst)
    real = {"/api/v1/insights/linkage/": {"query": {"event": [event.slug], "months": 6}},
            "/api/v1/insights/events/{slug}/": {"path_parameters": {"slug": event.slug}},
            "/api/v1/insights/sales/imports/{id}/": {"path_parameters": {"id": job.pk}}}
    called = []
    for result in loaded_schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/insights/") or operation.method.upper() != "GET":
            continue
        case = operation.Case(**real.get(operation.path, {}))
        case.call_and_validate(headers=headers, checks=CHECKS)
        response = case.call(headers=headers)
        assert response.status_code == 200, (operation.path, response.status_code, response.text[:300])
        called.append(operation.path)
    assert {"/api/v1/insights/summary/", "/api/v1/insights/linkage/"} <= set(called)


def test_generated_requests_to_the_insights_api_on_the_demo(loaded_schema):
    _user, headers = _analyst()
    insights = loaded_schema.include(path_regex="^/api/v1/insights/", method="GET")
    assert len(list(insights.get_all_operations())) >= 5  # the generated requests do reach them
    failures = _run(insights, headers)
    assert not failures, "\n".join(failures)


def test_insights_endpoints_answer_an_analyst_on_an_empty_database(db, client):
    """Nothing loaded: every list answers 200 and empty, the linkage report says what is missing."""
    analyst, _headers = _analyst()
    client.force_login(analyst)
    for path in ("/api/v1/insights/summary/", "/api/v1/insights/monthly/", "/api/v1/insights/sales/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    assert client.get("/api/v1/insights/summary/").json()["monthly"] == []
    linkage = client.get("/api/v1/insights/linkage/?event=nothing")
    assert linkage.status_code == 400 and linkage.json()["code"] == "no_event"
