"""Issue 29: the push endpoint `POST /api/v1/events/<slug>/passings/` (a decoder's lines in its own
format, or structured passings), batches sent again, where a device resumes, who may push; three
devices pushing at once on PostgreSQL; the live results API."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.times import local
from events.services import helper_join, helper_join_code
from tests.factories import UserFactory
from tests.timing.conftest import H, M, reads_of
from tests.timing.test_passings import _table
from timing.models import Passing, Result


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _structured(race, reads, numbered: bool = True) -> list[dict]:
    return [{"code": code, "point": point, "time": local(when, race.event).isoformat(),
             **({"number": n} if numbered else {})} for n, (code, point, when) in enumerate(reads, start=1)]


@pytest.mark.django_db
def test_a_forwarder_pushes_batches_resends_one_and_asks_where_to_resume(race):
    client = _client(race.event.organizers.first())
    url = f"/api/v1/events/{race.event.slug}/passings/"
    items = _structured(race, reads_of(race))
    first = client.post(url, {"device": "fwd-1", "passings": items[:8]}, format="json")
    assert first.status_code == 200, first.content
    assert first.json() | {"unknown_codes": []} == {"received": 8, "new": 8, "duplicates": 0, "unknown_codes": [],
                                                    "unknown_points": [], "last_number": 8}
    assert client.get(url, {"device": "fwd-1"}).json() == {"device": "fwd-1", "passings": 8, "last_number": 8}
    again = client.post(url, {"device": "fwd-1", "passings": items}, format="json").json()  # 1-8 sent again
    assert (again["new"], again["duplicates"], again["unknown_codes"]) == (7, 8, ["ZZZZ9"])
    assert _table(race)["A"] == ("finished", 2 * H, 2 * H - 12, 3, 2, 2)
    assert Passing.objects.filter(event=race.event).count() == 15


@pytest.mark.django_db
def test_a_decoder_pushes_its_own_lines(race):
    client = _client(race.event.organizers.first())
    lines = "".join(f"CT01_13,{n},{point},{code},{local(when, race.event):%H:%M:%S}.00,1,117F37,3\n"
                    for n, (code, point, when) in enumerate(reads_of(race), start=1))
    response = client.post(f"/api/v1/events/{race.event.slug}/passings/",
                           {"device": "ct-finish", "format": "chronotrack", "lines": lines}, format="json")
    assert response.status_code == 200 and response.json()["new"] == 15
    assert _table(race)["B"][:3] == ("finished", H + 50 * M, H + 50 * M - 5)


@pytest.mark.django_db
def test_bad_batches_are_refused_in_words_and_store_nothing(race, settings):
    client = _client(race.event.organizers.first())
    url = f"/api/v1/events/{race.event.slug}/passings/"
    for body, field in (({"device": "d"}, None),
                        ({"device": "d", "lines": "x"}, "format"),
                        ({"device": "d", "format": "raceresult", "lines": "1;AB;0000-00-00;25:00:00\n"}, "passings"),
                        ({"device": "d", "passings": [{"code": "1", "time": "yesterday"}]}, "passings")):
        response = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400, (body, response.content)
        answer = response.json()
        assert field in answer["fields"] if field else "lines" in answer["detail"], answer
        assert re.search("[\u4e00-\u9fff]", answer["detail"]), answer  # in the caller's language
    assert not Passing.objects.exists()


@pytest.mark.django_db
def test_only_the_events_organizers_and_helpers_may_push(race):
    url = f"/api/v1/events/{race.event.slug}/passings/"
    body = {"device": "d", "passings": _structured(race, reads_of(race)[:1])}
    assert _client(UserFactory()).post(url, body, format="json").status_code == 404
    assert APIClient().post(url, body, format="json").status_code in (401, 403)
    helper = UserFactory()
    helper_join(event=race.event, user=helper, code=helper_join_code(event=race.event))
    assert _client(helper).post(url, body, format="json").status_code == 200


@pytest.mark.django_db
def test_live_results_api_ranks_and_finds_by_bib(race, client):
    _client(race.event.organizers.first()).post(f"/api/v1/events/{race.event.slug}/passings/",
                                                {"device": "f", "passings": _structured(race, reads_of(race))},
                                                format="json")
    data = client.get(f"/api/v1/events/{race.event.slug}/live-results/").json()
    rows = data["categories"][0]["rows"]
    assert [(r["bib"], r["rank"], r["status"]) for r in rows[:3]] == [
        (race.seats[name].bib, rank, "finished") for rank, name in enumerate("FBA", start=1)]
    assert rows[3]["status"] == "on_course" and rows[3]["last_checkpoint"] == "补给站"  # D, the farthest still out
    found = client.get(f"/api/v1/events/{race.event.slug}/live-results/", {"q": race.seats["C"].bib}).json()
    (only,) = found["categories"][0]["rows"]
    assert (only["status"], only["missed"]) == ("dnf", "补给站")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_devices_push_at_once_and_the_results_are_the_hand_computed_ones(race):
    """The start, feed station and finish decoders push their reads at once in batches of two, each
    batch sent twice: every passing stored once and the rankings those of one device at a time."""
    by_point: dict[str, list] = {}
    for code, point, when in reads_of(race):
        by_point.setdefault(point, []).append((code, point, when))
    organizer = race.event.organizers.first()
    start, errors = threading.Barrier(3), []

    def device(point):
        try:
            client = _client(organizer)
            items = _structured(race, by_point[point])
            start.wait(timeout=30)
            for i in range(0, len(items), 2):
                for _twice in range(2):
                    reply = client.post(f"/api/v1/events/{race.event.slug}/passings/",
                                        {"device": f"dec-{point}", "passings": items[i:i + 2]}, format="json")
                    assert reply.status_code == 200, reply.content
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=device, args=(p,)) for p in by_point]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Passing.objects.filter(event=race.event).count() == 15
    assert _table(race)["A"] == ("finished", 2 * H, 2 * H - 12, 3, 2, 2)
    assert _table(race)["F"][3:] == (1, 1, 1) and _table(race)["B"][3:] == (2, 1, 1)
    assert Result.objects.filter(event=race.event, status="finished").count() == 3
