"""Issue 11 blocker: an organizer creates an event from the web form as a browser posts it, with
zero or two questions (blank slots ignored), and adds a category and a question afterwards."""

import datetime

from django.utils import timezone

from events.models import Event
from tests.helpers import browser_form


def _filled(client) -> dict[str, str]:
    page = client.get("/events/new/").content.decode()
    data = browser_form(page, containing="title")
    start = timezone.localtime() + datetime.timedelta(days=30)
    data.update({
        "title": "七里河春季骑行", "kind": "sportive",
        "starts_at": start.strftime("%Y-%m-%dT08:00"), "ends_at": start.strftime("%Y-%m-%dT12:00"),
        "registration_opens_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "registration_closes_at": (start - datetime.timedelta(days=3)).strftime("%Y-%m-%dT20:00"),
        "cat-0-name": "60公里", "cat-0-capacity": "200",
    })
    return data


def test_create_with_no_question_ignores_the_blank_slots(client, organizer):
    client.force_login(organizer)
    data = _filled(client)
    assert data["q-0-kind"] == "text" and data["q-0-label"] == ""  # what Chromium posts for a blank slot
    response = client.post("/events/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.questions.count() == 0 and event.categories.count() == 1


def test_create_with_two_questions(client, organizer):
    client.force_login(organizer)
    data = _filled(client) | {"q-0-label": "骑行服尺码", "q-0-kind": "choice", "q-0-choices": "S, M, L",
                              "q-0-required": "on", "q-1-label": "身份证号", "q-1-kind": "national_id"}
    assert client.post("/events/new/", data).status_code == 302
    event = Event.objects.get()
    assert [(q.label, q.kind, q.required) for q in event.questions.all()] == [
        ("骑行服尺码", "choice", True), ("身份证号", "national_id", False)]


def test_add_a_category_and_a_question_after_creation(client, organizer, make_event):
    event = make_event(publish=False)
    client.force_login(organizer)
    page = client.get(f"/events/{event.slug}/manage/").content.decode()
    assert 'id="add-category"' in page and 'id="add-question"' in page
    response = client.post(f"/events/{event.slug}/manage/", {
        "add": "category", "add-cat-name": "亲子组", "add-cat-capacity": "40", "add-cat-when_full": "waitlist",
        "add-cat-gender": ""})
    assert response.status_code == 302
    added = event.categories.get(name="亲子组")
    first = event.categories.exclude(pk=added.pk).get()
    assert added.bib_start > first.bib_end and added.capacity == 40
    response = client.post(f"/events/{event.slug}/manage/", {"add": "question", "add-q-label": "紧急联系人",
                                                             "add-q-kind": "text", "add-q-required": "on"})
    assert response.status_code == 302
    assert event.questions.get().label == "紧急联系人"
    bad = client.post(f"/events/{event.slug}/manage/", {"add": "question", "add-q-label": "", "add-q-kind": "text"})
    assert bad.status_code == 200 and event.questions.count() == 1  # the error shows on the page


def test_an_anytime_challenge_from_the_web_form(client, organizer):
    """Issue 15: the organizer picks the kind and the routes to ride; without a route it is refused."""
    from routes.services import route_import
    from tests.helpers import make_gpx

    route = route_import(owner=organizer, data=make_gpx(), filename="g.gpx", name="七里河", publish=True).route
    client.force_login(organizer)
    data = _filled(client) | {"kind": "challenge"}
    response = client.post("/events/new/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "至少需要一条线路" in response.content.decode()
    assert not Event.objects.exists()
    response = client.post("/events/new/", data | {"challenge_routes": [str(route.pk)]})
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.kind == "challenge" and list(event.challenge_routes.all()) == [route]


def test_an_event_that_ends_before_it_starts_is_refused_in_words(client, organizer):
    """Issue 25: the raw database message 'Constraint "event_ends_after_start" is violated.' was shown."""
    client.force_login(organizer)
    data = _filled(client)
    start = timezone.localtime() + datetime.timedelta(days=30)
    wrong = data | {"ends_at": (start - datetime.timedelta(days=1)).strftime("%Y-%m-%dT12:00")}
    for language, words in (("en", "The event must end after it starts."),
                            ("zh-hans", "活动结束时间必须晚于开始时间。")):
        page = client.post("/events/new/", wrong, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert words in page and "event_ends_after_start" not in page and "Constraint" not in page
    window = data | {"registration_closes_at": timezone.localtime().strftime("2000-01-01T08:00")}
    page = client.post("/events/new/", window, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "event_registration_window_ordered" not in page
    assert not Event.objects.exists()  # nothing created
