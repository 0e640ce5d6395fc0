"""The public start list at race size (issue 27): 200 riders a page, a bib found by number, bad
input answered in the reader's language; 5,000 riders were one page of 531 KB (466 ms)."""

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from events.models import Registration
from events.views.public import START_LIST_PAGE


def _seat(event, count: int, *, shown=True) -> list[Registration]:
    password = make_password(None)
    users = User.objects.bulk_create(User(username=f"start{i}", display_name=f"骑手{i:04d}", real_name=f"王{i}",
                                          show_name_publicly=shown, password=password) for i in range(count))
    category, now = event.categories.get(), timezone.now()
    return Registration.objects.bulk_create(
        Registration(event=event, category=category, rider=user, status="confirmed", bib=i + 1, queued_at=now,
                     confirmed_at=now) for i, user in enumerate(users))


@pytest.mark.django_db
def test_the_start_list_goes_a_page_at_a_time_in_bib_order(client, make_event):
    event = make_event(capacity=1000)
    _seat(event, START_LIST_PAGE + 5)
    url = f"/events/{event.slug}/start-list/"
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 200
    assert [r.bib for r in first.context["page"].object_list] == list(range(1, START_LIST_PAGE + 1))
    text = first.content.decode()
    assert f"{START_LIST_PAGE + 5} riders" in text and "1 / 2" in text and "?page=2" in text
    assert "骑手0000" in text and f"骑手{START_LIST_PAGE:04d}" not in text  # the 201st is on page 2
    second = client.get(url + "?page=2", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"骑手{START_LIST_PAGE:04d}" in second and "205 名骑手" in second and "2 / 2" in second
    # a page past the end or not a number: the nearest page, never a 500
    assert client.get(url + "?page=99").context["page"].number == 2
    assert client.get(url + "?page=abc").context["page"].number == 1


@pytest.mark.django_db
def test_a_rider_finds_their_bib_and_a_bad_one_is_explained_in_their_language(client, make_event):
    event = make_event(capacity=100)
    _seat(event, 30)
    url = f"/events/{event.slug}/start-list/"
    found = client.get(url + "?bib=17", HTTP_ACCEPT_LANGUAGE="en")
    assert [r.bib for r in found.context["page"].object_list] == [17]
    assert "骑手0016" in found.content.decode() and "Whole list" in found.content.decode()
    fullwidth = client.get(url, {"bib": " １７ "})  # as a Chinese keyboard may type it
    assert [r.bib for r in fullwidth.context["page"].object_list] == [17]
    missing = client.get(url + "?bib=999", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "没有已确认的骑手使用这个号码。" in missing
    for typed, words, language in [("12a", "A bib is a number, such as 128.", "en"),
                                   ("十二", "号码是数字，例如 128。", "zh-hans"),
                                   ("9" * 40, "号码是数字，例如 128。", "zh-hans")]:
        answer = client.get(url, {"bib": typed}, HTTP_ACCEPT_LANGUAGE=language)
        assert answer.status_code == 200 and list(answer.context["page"].object_list) == []
        assert words in answer.content.decode() and 'aria-invalid="true"' in answer.content.decode()


@pytest.mark.django_db
def test_a_hidden_name_stays_hidden_when_its_bib_is_looked_up(client, make_event):
    event = make_event(capacity=10)
    seat = _seat(event, 1, shown=False)[0]
    page = client.get(f"/events/{event.slug}/start-list/?bib={seat.bib}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "(name not shown)" in page and "骑手0000" not in page and "王0" not in page
