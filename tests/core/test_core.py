"""The shared parts: the API's one error envelope, CSV downloads that cannot run formulas (on every
export), the pages' error path, the query filter helper, and events' signals reaching industry."""

import csv
import io

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.test import RequestFactory

from clubs.services import club_create
from core.csv import csv_bytes, safe_cell
from core.errors import ServiceError
from core.querysets import filtered
from core.views import shown_on
from events.models import Event
from events.services import event_complete, registration_create, results_import
from industry.models import Brand, EventStat
from tests.factories import UserFactory
from tests.helpers import join, race_started

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(1)", "\tX", "\rY"]


def _cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8: Chinese shows
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _no_formula(rows: list[list[str]]) -> None:
    """No exported cell would run: each is text a spreadsheet shows as typed (a phone number or a
    plain number may start with + or -)."""
    from core.csv import _FORMULA, _NUMBER

    for row in rows:
        for cell in row:
            assert not (_FORMULA.match(cell) and not _NUMBER.match(cell)), cell


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_cell_neutralises_formula_starts(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["星河", "1:30:00", 42, -5, 3.5, "", "a=b"])
def test_safe_cell_leaves_plain_values_alone(value):
    assert safe_cell(value) == value


def test_csv_bytes_writes_the_bom_and_neutralised_cells():
    rows = list(csv.reader(io.StringIO(csv_bytes(["名字"], [[t] for t in HOSTILE]).decode("utf-8-sig"))))
    assert rows[0] == ["名字"] and [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]


@pytest.fixture
def hostile_rider(db):
    return UserFactory(username="hostile", display_name=HOSTILE[0], real_name=HOSTILE[1], mobile="+8613800000000",
                       emergency_contact_name=HOSTILE[3])


@pytest.mark.parametrize("kind", ["roster", "insurance", "checkin"])
def test_every_event_export_neutralises_formulas(client, make_event, organizer, hostile_rider, kind):
    event = make_event(questions=[{"key": "note", "label": "=1+1", "kind": "text"}])
    registration_create(event=event, category=event.categories.get(), rider=hostile_rider, answers={"note": "=2+2"})
    client.force_login(organizer)
    rows = _cells(client.get(f"/events/{event.slug}/export/{kind}.csv"))
    assert len(rows) == 2
    _no_formula(rows)
    assert any(cell.startswith("'=") or cell.startswith("'+") for cell in rows[1])  # the rider's text arrived


def test_club_roster_export_neutralises_formulas(client, hostile_rider):
    owner = UserFactory()
    club = club_create(founder=owner, name="车队")
    join(club=club, user=hostile_rider)
    client.force_login(owner)
    rows = _cells(client.get(f"/clubs/{club.slug}/roster.csv"))
    _no_formula(rows)
    assert "'" + HOSTILE[0] in rows[-1] or "'" + HOSTILE[0] in rows[1]


def test_insights_exports_neutralise_formulas(client, db):
    analyst = UserFactory(is_staff=True)
    Brand.objects.create(slug="evil", name="=cmd|' /C calc'!A0", is_local=True)
    client.force_login(analyst)
    for url in ("/insights/dashboard/?format=csv&table=brands", "/insights/dashboard/?format=csv&table=sales",
                "/insights/?format=csv", "/insights/dashboard/?format=csv"):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
        _no_formula(_cells(response))


def test_api_service_refusal_is_400_with_detail_and_code(client, make_event, rider):
    event = make_event(capacity=1)
    event.waiver_text = "风险自负"
    event.save()
    client.force_login(rider)
    response = client.post(f"/api/v1/events/{event.slug}/registrations/", {"category": event.categories.get().pk},
                           content_type="application/json", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Accept the waiver to register.", "code": "waiver"}


def test_api_answer_refusals_name_their_fields(client, make_event, rider):
    event = make_event(questions=[{"key": "id", "label": "身份证", "kind": "national_id", "required": True}])
    client.force_login(rider)
    response = client.post(f"/api/v1/events/{event.slug}/registrations/",
                           {"category": event.categories.get().pk, "answers": {"id": "123"}},
                           content_type="application/json")
    body = response.json()
    assert response.status_code == 400 and body["code"] == "answers"
    assert list(body["fields"]) == ["id"] and "身份证" in body["fields"]["id"][0] and body["detail"]


def test_api_input_errors_and_not_found_share_the_envelope(client, rider):
    client.force_login(rider)
    bad = client.post("/api/v1/events/nothing-here/registrations/", {"category": "x"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "category" in bad.json()["fields"]
    missing = client.get("/api/v1/events/nothing-here/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found" and missing.json()["detail"]


class _Form(forms.Form):
    name = forms.CharField()


def test_shown_on_puts_field_errors_on_fields_and_the_rest_on_top():
    form = _Form({"name": "x"})
    assert form.is_valid()
    with shown_on(form) as outcome:
        raise ServiceError({"name": ["名字不对"], "other": ["别的问题"]}, "bad")
    assert not outcome.ok and form.errors["name"] == ["名字不对"] and form.non_field_errors() == ["别的问题"]


def test_shown_on_flashes_without_a_form_and_lets_other_errors_through(rf: RequestFactory):
    request = rf.post("/")
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    with shown_on(request) as outcome:
        raise ServiceError("满了", "full")
    assert not outcome.ok and [str(m) for m in get_messages(request)] == ["满了"]
    with pytest.raises(KeyError), shown_on(request):
        raise KeyError("a bug is not a refusal")


def test_filtered_ignores_empty_values(make_event):
    event = make_event()
    assert list(filtered(Event.objects.all(), kind="", county=None, slug__in=[])) == [event]
    assert list(filtered(Event.objects.all(), kind="training")) == []


def test_results_after_completion_recompute_the_statistics(make_event, riders, django_capture_on_commit_callbacks):
    event = make_event(capacity=3)
    registration = registration_create(event=event, category=event.categories.get(), rider=riders[0])[0]
    event = race_started(event)
    with django_capture_on_commit_callbacks(execute=True):
        event_complete(event=event)  # event_completed -> industry computes
    assert EventStat.objects.get(event=event, dimension="total").finished == 0
    with django_capture_on_commit_callbacks(execute=True):
        report = results_import(event=event, data=f"{registration.bib},1:02:03\n".encode())
    assert report.applied == 1
    assert EventStat.objects.get(event=event, dimension="total").finished == 1  # registrations_changed


@pytest.mark.parametrize("text", [" =1+1", "\u3000=1+1", "＝HYPERLINK(1)", "＋1", "－1", "＠SUM(1)", "\n=1", "  @x"])
def test_safe_cell_guards_fullwidth_and_whitespace_led_formulas(text):
    """Issue 23: OWASP's CSV-injection list, with the fullwidth forms a Chinese keyboard types."""
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["+8613912345678", "+86 139 1234 5678", "-12.50", "010-12345678"])
def test_safe_cell_leaves_numbers_and_phone_numbers_as_they_are(value):
    assert safe_cell(value) == value


def test_csv_imports_are_bounded_before_the_work():
    from django.utils import translation

    from core.csv import csv_rows_bounded

    translation.activate("en")
    rows, problem = csv_rows_bounded(b"1,1:00:00\n2,DNF\n")
    assert rows == [["1", "1:00:00"], ["2", "DNF"]] and problem is None
    assert "at most 2048 KB" in csv_rows_bounded(b"1,1:00:00\n" * 300_000)[1]
    assert csv_rows_bounded(b"1,2\n3," + b"x" * 5000 + b"\n")[1].startswith("Line 2:")
    assert csv_rows_bounded(b"\xff\xfe")[1] == "The file is not UTF-8 text."
    assert csv_rows_bounded(b'1,"2\n3,4\n' + b"x" * 200_000)[1] is not None  # a quote never closed


def test_a_huge_results_upload_is_refused_with_a_reason_and_changes_nothing(make_event):
    from events.services import results_import

    event = race_started(make_event())
    report = results_import(event=event, data=b"1,1:00:00\n" * 400_000)  # 4 MB
    assert report.applied == 0 and "KB" in report.errors[0]
    report = results_import(event=event, data=b"1," + b"9" * 10_000_000 + b"\n")  # one 10 MB field
    assert report.applied == 0 and report.errors
