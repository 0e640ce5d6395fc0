"""Event API and pages: creation, publishing, registration answers, permissions, exports."""

import datetime
import json

import pytest
from django.utils import timezone

from events.models import Event, Registration
from events.services import registration_create
from tests.events.conftest import VALID_ID
from tests.factories import UserFactory
from tests.routes.conftest import make_gpx


def _iso(days: float) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


def _event_payload(route_id=None):
    return {
        "title": "太行挑战赛", "kind": "race", "starts_at": _iso(20), "ends_at": _iso(20.3),
        "registration_opens_at": _iso(-1), "registration_closes_at": _iso(10),
        "categories": [{"name": "60公里", "capacity": 2, "route": route_id, "fee_cny": "80.00"},
                       {"name": "120公里", "capacity": 1, "fee_cny": "150"}],
        "questions": [{"key": "id", "label": "身份证", "kind": "national_id", "required": True}],
    }


def test_api_organizer_creates_and_publishes_event(client, organizer):
    from routes.services import route_import

    route = route_import(owner=organizer, data=make_gpx(), filename="r.gpx", publish=True).route
    client.force_login(organizer)
    response = client.post("/api/v1/events/", _event_payload(route.pk), content_type="application/json")
    assert response.status_code == 201, response.getvalue()
    body = response.json()
    assert body["status"] == "draft" and [c["name"] for c in body["categories"]] == ["60公里", "120公里"]
    assert all(isinstance(c["id"], int) for c in body["categories"])
    assert body["categories"][0]["route"]["version"] == 1
    event = Event.objects.get()
    assert event.categories.first().route_version == route.current_version  # the version is pinned
    assert client.get(f"/api/v1/events/{event.slug}/").status_code == 200
    client.logout()
    assert client.get(f"/api/v1/events/{event.slug}/").status_code == 404  # drafts are hidden
    client.force_login(organizer)
    assert client.post(f"/api/v1/events/{event.slug}/publish/").json()["status"] == "published"
    client.logout()
    assert client.get(f"/api/v1/events/{event.slug}/").status_code == 200


def test_api_event_creation_needs_an_organizer_and_valid_input(client, organizer, rider):
    client.force_login(rider)
    assert client.post("/api/v1/events/", _event_payload(), content_type="application/json").status_code == 403
    client.force_login(organizer)
    bad = _event_payload() | {"categories": []}
    assert client.post("/api/v1/events/", bad, content_type="application/json").status_code == 400
    reversed_times = _event_payload() | {"ends_at": _iso(1)}
    assert client.post("/api/v1/events/", reversed_times, content_type="application/json").status_code == 400
    assert Event.objects.count() == 0


def test_api_registration_201_then_200_and_answers(client, make_event, rider):
    event = make_event(questions=[{"key": "id", "label": "身份证", "kind": "national_id", "required": True}])
    category = event.categories.first()
    client.force_login(rider)
    url = f"/api/v1/events/{event.slug}/registrations/"
    body = {"category": category.pk, "answers": {"id": VALID_ID}, "accept_waiver": True, "id_consent": True,
            "fill_profile": True}
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201
    assert set(first.json()) >= {"id", "status", "bib", "category"}
    assert first.json()["status"] == "confirmed" and first.json()["answers"]["id"] == "1101**********002X"
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [("anonymous", (401, 403)), ("draft", (404,)), ("bad_id", (400,)), ("missing", (400,)), ("closed", (400,))],
)
def test_api_registration_refusals(client, make_event, rider, setup, expected):
    questions = [{"key": "id", "label": "身份证", "kind": "national_id", "required": True}]
    event = make_event(questions=questions, publish=setup != "draft",
                       **({"closes_in_days": -0.5, "opens_in_days": -2} if setup == "closed" else {}))
    if setup != "anonymous":
        client.force_login(rider)
    answers = {"bad_id": {"id": "110105194912310021"}, "missing": {}}.get(setup, {"id": VALID_ID})
    response = client.post(f"/api/v1/events/{event.slug}/registrations/",
                           {"category": event.categories.first().pk, "answers": answers},
                           content_type="application/json", headers={"accept-language": "zh-hans"})
    assert response.status_code in expected
    assert not Registration.objects.exists()
    if setup in ("bad_id", "closed"):
        text = json.dumps(response.json(), ensure_ascii=False)
        assert "身份证" in text or "报名" in text


def test_api_cancel_own_only(client, event, rider, other_rider):
    registration, _ = registration_create(event=event, category=event.categories.first(), rider=rider)
    client.force_login(other_rider)
    assert client.get(f"/api/v1/registrations/{registration.pk}/").status_code == 404
    assert client.post(f"/api/v1/registrations/{registration.pk}/cancel/").status_code == 404
    client.force_login(rider)
    response = client.post(f"/api/v1/registrations/{registration.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_roster_and_exports_only_for_the_events_organizers(client, make_event, organizer, rider):
    questions = [{"key": "id", "label": "身份证", "kind": "national_id", "required": True}]
    event = make_event(questions=questions)
    registration_create(event=event, category=event.categories.first(), rider=rider, answers={"id": VALID_ID},
                        id_consent=True, fill_profile=True)
    other_organizer = UserFactory()
    other_organizer.groups.add(*organizer.groups.all())
    for user in (rider, other_organizer):
        client.force_login(user)
        assert client.get(f"/api/v1/events/{event.slug}/roster/").status_code == 404
        assert client.get(f"/events/{event.slug}/manage/").status_code == 404
        for kind in ("roster", "insurance", "checkin"):
            assert client.get(f"/events/{event.slug}/export/{kind}.csv").status_code == 404
    client.force_login(organizer)
    roster = client.get(f"/api/v1/events/{event.slug}/roster/").json()["results"]
    assert roster[0]["answers"]["id"] == "1101**********002X" and roster[0]["rider"]["username"] == rider.username
    csv_roster = client.get(f"/events/{event.slug}/export/roster.csv").getvalue()
    assert csv_roster.startswith("\ufeff".encode()) and VALID_ID.encode() not in csv_roster
    insurance = client.get(f"/events/{event.slug}/export/insurance.csv")
    assert VALID_ID.encode() in insurance.getvalue() and insurance["Content-Type"].startswith("text/csv")
    assert client.get(f"/events/{event.slug}/export/checkin.csv").status_code == 200


def test_event_page_registers_through_the_form(client, make_event, rider):
    event = make_event(waiver_text="我自愿参加。",
                       questions=[{"key": "jersey", "label": "尺码", "kind": "choice", "required": True,
                                   "choices": ["S", "M"]}])
    client.force_login(rider)
    page = client.get(f"/events/{event.slug}/").getvalue().decode()
    assert "报名" in page and "我自愿参加" in page
    bad = client.post(f"/events/{event.slug}/", {"category": event.categories.first().pk, "q_jersey": "M"})
    assert bad.status_code == 200 and not Registration.objects.exists()
    good = client.post(f"/events/{event.slug}/", {"category": event.categories.first().pk, "q_jersey": "M",
                                                  "accept_waiver": "on"})
    registration = Registration.objects.get()
    assert good.status_code == 302 and good.url == f"/events/registrations/{registration.pk}/"
    mine = client.get(good.url).getvalue().decode()
    assert "<svg" in mine and "checkin-code" in mine


def test_event_page_shows_seats_waitlist_and_countdown(client, make_event, riders):
    open_event = make_event(capacity=1, title="满员")
    registration_create(event=open_event, category=open_event.categories.first(), rider=riders[0])
    page = client.get(f"/events/{open_event.slug}/").getvalue().decode()
    assert 'data-seats="0"' in page and "候补" in page
    later = make_event(title="未开放", opens_in_days=2)
    assert 'id="countdown"' in client.get(f"/events/{later.slug}/").getvalue().decode()


def test_event_list_upcoming_first_with_filters(client, make_event):
    later = make_event(title="后来", starts_in_days=30, kind="race")
    sooner = make_event(title="先来", starts_in_days=10, county="guangzong")
    page = client.get("/events/").getvalue().decode()
    assert page.index("先来") < page.index("后来")
    assert "后来" not in client.get("/events/?county=guangzong").getvalue().decode()
    api = client.get("/api/v1/events/?kind=race").json()
    assert [e["slug"] for e in api["results"]] == [later.slug]
    assert sooner.slug in [e["slug"] for e in client.get("/api/v1/events/").json()["results"]]


def test_organizer_pages_publish_pause_cancel(client, make_event, organizer, riders, mailoutbox,
                                               django_capture_on_commit_callbacks):
    event = make_event(publish=False)
    client.force_login(organizer)
    assert client.post(f"/events/{event.slug}/action/publish/").status_code == 302
    event.refresh_from_db()
    assert event.status == "published"
    client.post(f"/events/{event.slug}/action/pause/")
    event.refresh_from_db()
    assert event.registration_paused
    client.post(f"/events/{event.slug}/action/resume/")
    event.refresh_from_db()
    for rider in riders[:2]:
        registration_create(event=event, category=event.categories.first(), rider=rider)
    from core.outbox import send_due as outbox_send

    outbox_send()  # the sign-up e-mails
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/events/{event.slug}/action/cancel/", {"reason": "天气原因"})
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert set(Registration.objects.values_list("status", flat=True)) == {"cancelled"}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.email for r in riders[:2])
    assert all("天气原因" in m.body for m in mailoutbox)


def test_create_event_page(client, organizer):
    client.force_login(organizer)
    assert client.get("/events/new/").status_code == 200
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    data = {
        "title": "页面创建", "kind": "training", "starts_at": (now + datetime.timedelta(days=5)).strftime(fmt),
        "ends_at": (now + datetime.timedelta(days=5, hours=2)).strftime(fmt),
        "registration_opens_at": now.strftime(fmt),
        "registration_closes_at": (now + datetime.timedelta(days=4)).strftime(fmt),
        "cat-TOTAL_FORMS": "2", "cat-INITIAL_FORMS": "0", "cat-MIN_NUM_FORMS": "1", "cat-MAX_NUM_FORMS": "1000",
        "cat-0-name": "训练组", "cat-0-capacity": "20", "cat-0-fee_cny": "0", "cat-0-when_full": "waitlist",
        "cat-1-when_full": "waitlist",
        "q-TOTAL_FORMS": "1", "q-INITIAL_FORMS": "0", "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "1000",
        "q-0-label": "骑行服尺码", "q-0-label_en": "Jersey size", "q-0-kind": "choice", "q-0-choices": "S，M，L",
    }
    response = client.post("/events/new/", data)
    assert response.status_code == 302, response.getvalue().decode()[:3000]
    event = Event.objects.get()
    assert event.categories.get().capacity == 20
    assert event.questions.get().choices == ["S", "M", "L"] and event.questions.get().key == "jersey-size"


def test_the_roster_comes_a_page_at_a_time_on_the_manage_page_and_the_api(client, make_event, organizer,
                                                                          monkeypatch):
    from events.views import organizer as organizer_views
    monkeypatch.setattr(organizer_views, "ROSTER_PAGE", 2)
    event = make_event(capacity=10)
    riders = [UserFactory(real_name=f"名单{i}") for i in range(5)]
    for rider in riders:
        registration_create(event=event, category=event.categories.get(), rider=rider)
    client.force_login(organizer)
    pages = [client.get(f"/events/{event.slug}/manage/?page={n}", headers={"accept-language": "en"}).content.decode()
             for n in (1, 2, 3)]
    shown = [[r.real_name for r in riders if f">{r.real_name}<" in page] for page in pages]
    assert [len(names) for names in shown] == [2, 2, 1]
    assert sorted(name for names in shown for name in names) == sorted(r.real_name for r in riders)
    assert "(5)" in pages[0] and "1 / 3" in pages[0] and 'href="?page=2#roster"' in pages[0]
    assert client.get(f"/events/{event.slug}/manage/?page=x").status_code == 200  # a bad page is the first
    api = client.get(f"/api/v1/events/{event.slug}/roster/?page_size=2").json()
    assert api["count"] == 5 and len(api["results"]) == 2 and "page=2" in api["next"]
    last = client.get(f"/api/v1/events/{event.slug}/roster/?page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get(f"/api/v1/events/{event.slug}/roster/?page=9").status_code == 404  # past the end: not a 500
