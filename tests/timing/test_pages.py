"""Issue 29: the organizer's timing page (checkpoints with closing times, settings, corrections with
who and why), the public live results (search, the table the page refreshes), the rider's own result
and certificate, the field page; bad input answered in words and changing nothing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation

from tests.timing.conftest import H, M, reads_of
from tests.timing.test_passings import _csv, _table
from timing import formats
from timing.models import Checkpoint, Correction, Passing, Result
from timing.services import passings_ingest

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def fed(race):
    passings_ingest(event=race.event, reads=formats.read("csv", _csv(race, reads_of(race))), source="csv",
                    device="phone")
    return race


def _organizer(client, race):
    client.force_login(race.event.organizers.first())
    return client


def _flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_organizer_adds_a_checkpoint_with_a_closing_time_and_sees_it(client, race):
    _organizer(client, race)
    category = race.event.categories.get()
    version = category.route_version
    response = client.post(f"/events/{race.event.slug}/timing/", {
        "action": "checkpoint_add", "route_version": version.pk, "name": "山顶", "kind": "split",
        "distance_km": "3.2", "point": "TOP", f"closes_{category.pk}": "2030-05-01T10:30:00"}, follow=True)
    assert response.status_code == 200
    top = Checkpoint.objects.get(event=race.event, name="山顶")
    assert (top.distance_m, top.point) == (3200, "TOP") and top.lat is not None
    closing = top.closings.get()
    assert closing.closes_at == datetime.datetime(2030, 5, 1, 2, 30, tzinfo=datetime.UTC)  # 10:30 in Shanghai
    page = client.get(f"/events/{race.event.slug}/timing/").content.decode()
    assert "山顶" in page and "10:30" in page and "TOP" in page


def test_a_checkpoint_off_the_route_is_refused_in_words(client, race):
    _organizer(client, race)
    version = race.event.categories.get().route_version
    with translation.override("zh-hans"):
        response = client.post(f"/events/{race.event.slug}/timing/", {
            "action": "checkpoint_add", "route_version": version.pk, "name": "远方", "kind": "split",
            "distance_km": "900", "point": "FAR"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert any("公里" in m for m in _flash(response)), _flash(response)
    assert not Checkpoint.objects.filter(name="远方").exists()


def test_corrections_are_recorded_with_who_and_why(client, fed):
    race = fed
    organizer = race.event.organizers.first()
    _organizer(client, race)
    url = f"/events/{race.event.slug}/timing/"
    e = race.seats["E"]
    # E's start and finish were missed by the mats: a marshal wrote them down
    for point, seconds in (("START", 30), ("FINISH", H + 20 * M)):
        at = (race.gun + datetime.timedelta(seconds=seconds)).astimezone(SHANGHAI)
        response = client.post(url, {"action": "passing_add", "bib": e.bib, "at": at.strftime("%Y-%m-%dT%H:%M:%S"),
                                     "checkpoint": race.checkpoints[point].pk, "reason": "记录员手写"})
        assert response.status_code == 302
    assert _table(race)["E"][:3] == ("finished", H + 20 * M, H + 20 * M - 30)
    # A's finish read is moved 60 s later (the decoder's clock), then D's feed-station read deleted
    a_finish = Passing.objects.filter(registration=race.seats["A"], point="FINISH").order_by("at").first()
    moved_to = (a_finish.at + datetime.timedelta(seconds=60)).astimezone(SHANGHAI)
    client.post(url, {"action": "passing_move", "passing": a_finish.pk, "at": moved_to.strftime("%Y-%m-%dT%H:%M:%S"),
                      "checkpoint": race.checkpoints["FINISH"].pk, "reason": "计时器时钟慢一分钟"})
    # the second finish read (3 s after the first) is still there: the finish is the earlier of the two
    assert _table(race)["A"][1] == 2 * H + 3
    d_feed = Passing.objects.get(registration=race.seats["D"], point="CP1")
    client.post(url, {"action": "passing_delete", "passing": d_feed.pk, "reason": "误读"})
    # without it D never reached the feed station before it closed (G+1:00): DNF there
    d = Result.objects.get(registration=race.seats["D"])
    assert (d.status, d.missed_id) == ("dnf", race.checkpoints["CP1"].pk)
    # B withdrawn at the feed station by a helper, then F disqualified
    client.post(url, {"action": "ruling", "bib": race.seats["B"].bib, "status": "withdrawn",
                      "checkpoint": race.checkpoints["CP1"].pk, "reason": "膝伤, 由收容车带回"})
    assert _table(race)["B"][0] == "withdrawn"
    kept = list(Correction.objects.filter(event=race.event).order_by("at", "pk").values_list("action", "reason", "by"))
    assert kept == [("add", "记录员手写", organizer.pk), ("add", "记录员手写", organizer.pk),
                    ("move", "计时器时钟慢一分钟", organizer.pk), ("delete", "误读", organizer.pk),
                    ("ruling", "膝伤, 由收容车带回", organizer.pk)]
    assert Passing.objects.filter(pk=d_feed.pk).exclude(voided_at=None).exists()  # kept, not counted
    page = client.get(url).content.decode()
    assert "膝伤, 由收容车带回" in page and "误读" in page


def test_a_correction_without_a_reason_changes_nothing(client, fed):
    race = fed
    _organizer(client, race)
    passing = Passing.objects.filter(registration=race.seats["A"]).first()
    response = client.post(f"/events/{race.event.slug}/timing/", {"action": "passing_delete", "passing": passing.pk,
                                                                  "reason": ""}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert any(re.search("[\u4e00-\u9fff]", m) for m in _flash(response))
    assert Passing.objects.get(pk=passing.pk).voided_at is None and not Correction.objects.exists()


def test_other_people_do_not_see_the_timing_page(client, fed, rider):
    client.force_login(rider)
    assert client.get(f"/events/{fed.event.slug}/timing/").status_code == 404
    assert client.post(f"/events/{fed.event.slug}/timing/", {"action": "recount"}).status_code == 404
    assert client.get(f"/events/{fed.event.slug}/timing/field/").status_code == 404


def test_the_live_results_page_finds_a_bib_and_refreshes_its_table(client, fed):
    race = fed
    from django.urls import reverse

    live = reverse("timing:live", args=[race.event.slug])  # the event page links it for everyone
    assert f'href="{live}"' in client.get(reverse("events:detail", args=[race.event.slug])).content.decode()
    page = client.get(f"/events/{race.event.slug}/live/").content.decode()
    assert "live-results.js" in page and 'id="live-results"' in page
    assert page.index(f"<td>{race.seats['F'].bib}</td>") < page.index(f"<td>{race.seats['B'].bib}</td>")
    table = client.get(f"/events/{race.event.slug}/live/", {"part": "table", "q": race.seats["D"].bib})
    assert table.status_code == 200 and "<html" not in table.content.decode()
    assert table.content.decode().count("<tr class=") == 1 and "补给站" in table.content.decode()
    stamp = re.search(r'data-changed="([\d.]+)"', table.content.decode()).group(1)
    # a new passing: the table's stamp moves, so the page swaps it in
    finish = race.at(2 * H + 20 * M).astimezone(SHANGHAI)
    passings_ingest(event=race.event, reads=formats.read("csv", f"{race.seats['D'].bib},FINISH,{finish:%H:%M:%S}\n"),
                    source="csv", device="phone")
    again = client.get(f"/events/{race.event.slug}/live/", {"part": "table"}).content.decode()
    assert float(re.search(r'data-changed="([\d.]+)"', again).group(1)) > float(stamp)  # even within a second
    assert _table(race)["D"][0] == "finished"


def test_names_are_found_only_for_riders_who_show_them(client, fed):
    race = fed
    rider = race.seats["A"].rider
    rider.show_name_publicly = False
    rider.save()
    hidden = client.get(f"/events/{race.event.slug}/live/", {"part": "table", "q": rider.display_name}).content
    assert f"<td>{race.seats['A'].bib}</td>".encode() not in hidden
    rider.show_name_publicly = True
    rider.save()
    shown = client.get(f"/events/{race.event.slug}/live/", {"part": "table", "q": rider.display_name}).content
    assert f"<td>{race.seats['A'].bib}</td>".encode() in shown


def test_the_rider_sees_their_result_and_opens_their_certificate(client, fed):
    race = fed
    a = race.seats["A"]
    client.force_login(a.rider)
    page = client.get(f"/events/registrations/{a.pk}/").content.decode()
    assert 'id="my-result"' in page and "1:59:48" in page and "certificate.pdf" in page
    response = client.get(f"/events/registrations/{a.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF") and b"/FontFile2" in body  # the TrueType font is embedded
    # D has not finished: no certificate
    client.force_login(race.seats["D"].rider)
    assert client.get(f"/events/registrations/{race.seats['D'].pk}/certificate.pdf").status_code == 404


def test_the_certificates_qr_verifies_until_the_result_changes(client, fed):
    from timing.certificates import token_for

    race = fed
    a = race.seats["A"]
    token = token_for(a.pk, 2 * H - 12)
    page = client.get(f"/events/certificates/{token}/")
    assert page.status_code == 200 and "1:59:48" in page.content.decode()
    assert client.get(f"/events/certificates/{token_for(a.pk, 100)}/").status_code == 404  # not its time
    assert client.get("/events/certificates/forged/").status_code == 404
    from timing.services import ruling_set

    ruling_set(event=race.event, by=race.event.organizers.first(), bib=a.bib, status="dsq", checkpoint=None,
               reason="x")
    assert client.get(f"/events/certificates/{token}/").status_code == 404


def test_the_organizer_prints_every_finishers_certificate(client, fed):
    _organizer(client, fed)
    response = client.get(f"/events/{fed.event.slug}/timing/certificates.pdf")
    assert response.status_code == 200 and response.content.count(b"/Type /Page\n") + response.content.count(
        b"/Type /Page ") + response.content.count(b"/Type /Page>") >= 1
    from io import BytesIO

    pages = re.findall(rb"/Type\s*/Page[^s]", BytesIO(response.content).getvalue())
    assert len(pages) == 3  # F, B and A finished


def test_the_field_page_counts_riders_and_lists_those_past_a_closing(client, fed):
    race = fed
    _organizer(client, race)
    page = client.get(f"/events/{race.event.slug}/timing/field/").content.decode()
    assert "field-map.js" in page and 'id="field-map-data"' in page
    # D is out past the feed station, and C, who reached it after it closed (DNF, still out there)
    assert re.search(r"补给站</td><td>[\d.]+</td><td>2</td>", page), page
    from timing.selectors import field_of

    _places, _counts, broom = field_of(event=race.event)
    assert [p.registration.bib for p in broom] == [race.seats["C"].bib]  # late at the feed station, still out
    assert f"<strong>Bib {race.seats['C'].bib}</strong>" in page or f"号码 {race.seats['C'].bib}" in page
    _places, _counts, broom = field_of(event=race.event, now=race.at(3 * H + 60))
    assert sorted(p.registration.bib for p in broom) == sorted([race.seats["C"].bib, race.seats["D"].bib])


def test_a_check_in_helper_takes_a_rider_off_the_course_at_their_checkpoint(client, fed):
    from events.services import helper_join, helper_join_code
    from tests.factories import UserFactory

    race = fed
    helper = UserFactory()
    helper_join(event=race.event, user=helper, code=helper_join_code(event=race.event))
    client.force_login(helper)
    url = f"/events/{race.event.slug}/timing/field/"
    assert client.get(url).status_code == 200
    assert client.get(f"/events/{race.event.slug}/timing/").status_code == 404  # the Timing page stays the organizer's
    response = client.post(url, {"bib": race.seats["D"].bib, "checkpoint": race.checkpoints["CP1"].pk,
                                 "reason": "抽筋, 上了收容车"}, follow=True)
    assert response.status_code == 200
    d = Result.objects.get(registration=race.seats["D"])
    assert (d.status, d.missed_id) == ("withdrawn", race.checkpoints["CP1"].pk)
    assert Correction.objects.get(event=race.event).by == helper
    empty = client.post(url, {"bib": race.seats["A"].bib, "checkpoint": race.checkpoints["CP1"].pk, "reason": ""},
                        follow=True)
    assert empty.status_code == 200 and Result.objects.get(registration=race.seats["A"]).status == "finished"
