"""Issue 28: timing chips' tags from the timing company's CSV (bib, tag): one or two per rider,
unique in the event, every row or none; the check-in CSV and the devices' start list carry them."""

import io

import pytest
from django.db import IntegrityError
from django.utils import translation
from rest_framework.authtoken.models import Token

from events.exports import table
from events.models import ChipTag
from events.selectors.raceday import device_start_list
from events.services import chips_import, registration_create


@pytest.fixture
def field(make_event, riders):
    event = make_event(capacity=3)
    category = event.categories.get()
    seated = [registration_create(event=event, category=category, rider=r)[0] for r in riders[:4]]
    return event, seated  # bibs 1-3 confirmed, the fourth waits


def test_a_timing_file_gives_each_rider_their_tags(field):
    event, seated = field
    report = chips_import(event=event, data=b"bib,tag\n1,e200-3412-0001\n1,E20034120002\n2,E20034120003\n")
    assert (report.applied, report.errors) == (3, [])
    assert sorted(ChipTag.objects.filter(registration=seated[0]).values_list("tag", flat=True)) == [
        "E20034120001", "E20034120002"]
    again = chips_import(event=event, data=b"bib,tag\n2,E20034120003\n")  # the same file twice: nothing new
    assert again.errors == [] and ChipTag.objects.count() == 3
    header, rows = table(event=event, kind="checkin")
    assert "Chip tags" in [str(h) for h in header] or "芯片号" in [str(h) for h in header]
    assert [row[4] for row in rows][:2] == ["E20034120001 E20034120002", "E20034120003"]
    listing = device_start_list(event=event)
    assert [sorted(c.tag for c in r.chips.all()) for r in listing.entries][:2] == [
        ["E20034120001", "E20034120002"], ["E20034120003"]]


@pytest.mark.parametrize(("rows", "problem"), [
    ("4,E20034120009", "bib 4"),  # the waiting rider has no bib
    ("9,E20034120009", "bib 9"),
    ("1,E2!", "4 to 32"),
    ("1,E20034120001\n2,E20034120001", "twice"),
    ("1,E20034120001\n1,E20034120002\n1,E20034120003", "more than two"),
])
def test_a_bad_row_applies_nothing_and_is_named(field, rows, problem):
    event, _ = field
    with translation.override("en"):
        report = chips_import(event=event, data=f"bib,tag\n3,E20034129999\n{rows}\n".encode())
    assert report.applied == 0 and any(problem in e for e in report.errors), report.errors
    assert not ChipTag.objects.exists()


def test_a_tag_of_another_rider_is_refused_and_the_database_holds_it_too(field):
    event, seated = field
    chips_import(event=event, data=b"bib,tag\n1,E20034120001\n")
    report = chips_import(event=event, data=b"bib,tag\n2,E20034120001\n")
    assert report.applied == 0 and "属于另一名骑手" in report.errors[0]  # in the user's language
    with pytest.raises(IntegrityError):  # a negative control below the service: the constraint itself
        ChipTag.objects.create(event=event, registration=seated[1], tag="E20034120001", created_at=seated[1].created_at)


def test_the_api_takes_the_file_from_the_organizer_only(client, field, organizer, riders):
    event, _ = field
    token = Token.objects.create(user=organizer)
    upload = io.BytesIO(b"bib,tag\n1,E20034120001\n")
    upload.name = "chips.csv"
    done = client.post(f"/api/v1/events/{event.slug}/chips/", {"file": upload}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert done.status_code == 200 and done.json()["applied"] == 1
    bad = io.BytesIO(b"bib,tag\n9,E20034120002\n")
    bad.name = "chips.csv"
    refused = client.post(f"/api/v1/events/{event.slug}/chips/", {"file": bad}, HTTP_AUTHORIZATION=f"Token {token.key}",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "bib 9" in refused.content.decode()
    stranger = Token.objects.create(user=riders[5])
    other = io.BytesIO(b"bib,tag\n2,E20034120003\n")
    other.name = "chips.csv"
    assert client.post(f"/api/v1/events/{event.slug}/chips/", {"file": other},
                       HTTP_AUTHORIZATION=f"Token {stranger.key}").status_code == 404
    assert ChipTag.objects.count() == 1
