"""Results at race size (issue 27): the official results (page and API) go a page at a time, the ranks
counted over the whole category; 5,000 finishers were one page of 633 KB (734 ms), bench/passings.py.
The live results: tests/timing/test_live_pages.py."""

from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from events.models import Registration
from events.selectors import RESULTS_PAGE


def _finishers(event, count: int, *, dnf: int = 0) -> None:
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"fin{i}", display_name=f"选手{i:04d}", show_name_publicly=True, password=password,
             gender="female" if i % 3 == 0 else "male") for i in range(count + dnf))
    category, now = event.categories.get(), timezone.now()
    Registration.objects.bulk_create(
        Registration(event=event, category=category, rider=user, status="confirmed", bib=i + 1, queued_at=now,
                     confirmed_at=now, result="finished" if i < count else "dnf",
                     finish_seconds=3600 + i if i < count else None) for i, user in enumerate(users))


@pytest.mark.django_db
def test_the_results_page_goes_a_page_at_a_time_and_ranks_run_on(client, make_event):
    event = make_event(capacity=1000, kind="race")
    _finishers(event, RESULTS_PAGE + 3, dnf=2)
    url = f"/events/{event.slug}/results/"
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    (rows,) = first.context["results"].values()
    assert [r.rank for r in rows] == list(range(1, RESULTS_PAGE + 1))
    assert [r.gender_rank for r in rows[:4]] == [1, 1, 2, 2]  # women every third: 0, 3, ...
    assert "1 / 2" in first.content.decode() and "?page=2" in first.content.decode()
    (last,) = client.get(url + "?page=2").context["results"].values()
    assert [(r.rank, r.registration.result) for r in last] == [
        (RESULTS_PAGE + 1, "finished"), (RESULTS_PAGE + 2, "finished"), (RESULTS_PAGE + 3, "finished"),
        (None, "dnf"), (None, "dnf")]
    assert client.get(url + "?page=x").context["page"].number == 1
    assert client.get(url + "?page=99").context["page"].number == 2


@pytest.mark.django_db
def test_the_results_api_keeps_its_shape_and_names_the_next_page(client, make_event):
    event = make_event(capacity=1000, kind="race")
    _finishers(event, RESULTS_PAGE + 3)
    url = f"/api/v1/events/{event.slug}/results/"
    first = client.get(url)
    assert first.status_code == 200 and first["X-Total-Count"] == str(RESULTS_PAGE + 3)
    assert first["Link"] == f'<http://testserver{quote(url)}?page=2>; rel="next"'
    (group,) = first.json()
    assert len(group["results"]) == RESULTS_PAGE and group["results"][0]["rank"] == 1
    second = client.get(url, {"page": 2})
    assert second["Link"] == f'<http://testserver{quote(url)}>; rel="prev"'  # (the slug is Chinese)
    assert [r["rank"] for r in second.json()[0]["results"]] == [RESULTS_PAGE + 1, RESULTS_PAGE + 2, RESULTS_PAGE + 3]
