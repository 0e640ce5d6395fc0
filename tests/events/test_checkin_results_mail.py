"""Check-in codes, results import and rankings, e-mails in the rider's language, calendars."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from core.outbox import send_due as outbox_send
from events.models import Registration
from events.notifications import reminders_send
from events.services import (
    CheckinOutcome,
    checkin,
    checkin_code,
    event_cancel,
    registration_cancel,
    registration_create,
    results_import,
)
from tests.factories import UserFactory
from tests.helpers import race_started


def confirmed(event, rider, **kwargs):
    return registration_create(event=event, category=event.categories.first(), rider=rider, **kwargs)[0]


# --- check-in -----------------------------------------------------------------------------------

def test_checkin_then_already_then_invalid(event, riders):
    registration = confirmed(event, riders[0])
    code = checkin_code(registration)
    first = checkin(event=event, code=code)
    assert first.outcome == "checked_in" and first.registration == registration
    second = checkin(event=event, code=f"  {code}  ")
    assert second.outcome == "already" and second.at == first.at
    assert checkin(event=event, code=code[:-1] + ("A" if code[-1] != "A" else "B")).outcome == "invalid"
    assert checkin(event=event, code="garbage").outcome == "invalid"


def test_checkin_code_of_another_event_or_waitlisted_rider_is_invalid(make_event, riders):
    one, other = make_event(capacity=1), make_event(capacity=1)
    registration = confirmed(one, riders[0])
    waiting = confirmed(one, riders[1])
    assert waiting.status == "waitlisted"
    assert checkin(event=other, code=checkin_code(registration)).outcome == "invalid"
    assert checkin(event=one, code=checkin_code(waiting)).outcome == "invalid"


def test_checkin_page_scanned_url_and_typed_code(client, event, organizer, riders):
    registration = confirmed(event, riders[0])
    code = checkin_code(registration)
    client.force_login(organizer)
    page = client.get(f"/events/{event.slug}/checkin/?code={code}").content.decode()
    assert f'value="{code}"' in page  # the scanned QR opens the page with the code filled in
    done = client.post(f"/events/{event.slug}/checkin/", {"code": code}).content.decode()
    assert 'data-outcome="checked_in"' in done and "签到成功" in done
    again = client.post(f"/events/{event.slug}/checkin/", {"code": code}).content.decode()
    local = timezone.localtime(Registration.objects.get().checked_in_at).strftime("%H:%M")
    assert 'data-outcome="already"' in again and local in again
    bad = client.post(f"/events/{event.slug}/checkin/", {"code": "1-AAAAAAAAAAAA"}).content.decode()
    assert 'data-outcome="invalid"' in bad


def test_checkin_page_and_api_only_for_organizers(client, event, riders):
    registration = confirmed(event, riders[0])
    client.force_login(riders[1])
    assert client.get(f"/events/{event.slug}/checkin/").status_code == 404
    response = client.post(f"/api/v1/events/{event.slug}/checkin/", {"code": checkin_code(registration)},
                           content_type="application/json")
    assert response.status_code == 404
    assert Registration.objects.get().checked_in_at is None


def test_qr_on_the_riders_page_carries_the_checkin_url(client, event, riders):
    registration = confirmed(event, riders[0])
    client.force_login(riders[0])
    page = client.get(f"/events/registrations/{registration.pk}/").content.decode()
    assert "<svg" in page and checkin_code(registration) in page


# --- results ------------------------------------------------------------------------------------

@pytest.fixture
def raced(make_event):
    event = make_event(capacity=10)
    people = [UserFactory(gender=g, show_name_publicly=i != 1) for i, g in enumerate(
        ["male", "female", "male", "female", "male"])]
    regs = [confirmed(event, p) for p in people]
    return race_started(event), regs


def test_results_import_ranks_by_category_and_gender(raced):
    event, _regs = raced
    data = (b"bib,time\n1,2:05:00\n2,1:59:30\n3,1:58:00\n4,DNF\n5,dsq\n")
    report = results_import(event=event, data=data)
    assert report.errors == [] and report.applied == 5
    from events.selectors import results

    rows = results(event=event)[event.categories.first()]
    assert [(r.registration.bib, r.rank, r.gender_rank) for r in rows] == [
        (3, 1, 1), (2, 2, 1), (1, 3, 2), (4, None, None), (5, None, None)]


def test_results_import_reports_every_bad_row_and_applies_nothing(raced):
    event, _regs = raced
    data = "\ufeffbib,time\n1,2:05:00\n99,1:00:00\n2,fast\n1,2:00:00\n3\n".encode()
    report = results_import(event=event, data=data)
    assert report.applied == 0
    joined = " ".join(report.errors)
    for line in ("3", "4", "5", "6"):
        assert f"第 {line} 行" in joined
    assert not Registration.objects.exclude(result="").exists()


def test_results_page_hides_names_not_allowed_and_rider_sees_own(client, raced):
    event, regs = raced
    results_import(event=event, data=b"1,2:05:00\n2,1:59:30\n")
    page = client.get(f"/events/{event.slug}/results/").content.decode()
    assert regs[0].rider.public_name in page and regs[1].rider.public_name not in page
    assert "1:59:30" in page and "不显示姓名" in page
    client.force_login(regs[1].rider)
    assert "1:59:30" in client.get("/events/mine/").content.decode()
    api = client.get(f"/api/v1/events/{event.slug}/results/").json()
    assert {r["name"] for r in api[0]["results"]} == {regs[0].rider.public_name, None}


def test_results_upload_page_for_organizer(client, raced, organizer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    event, _regs = raced
    client.force_login(organizer)
    response = client.post(f"/events/{event.slug}/results/upload/",
                           {"file": SimpleUploadedFile("r.csv", b"1,x\n")}, follow=True)
    assert "第 1 行" in response.content.decode()
    client.post(f"/events/{event.slug}/results/upload/", {"file": SimpleUploadedFile("r.csv", b"1,1:00:00\n")})
    assert Registration.objects.get(bib=1).finish_seconds == 3600


# --- e-mails ------------------------------------------------------------------------------------

def test_confirmation_mail_in_riders_language_with_qr_and_ics(event, django_capture_on_commit_callbacks):
    english = UserFactory(language="en")
    chinese = UserFactory(language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed(event, english)
        confirmed(event, chinese)
    en, zh = mail.outbox
    assert en.subject.startswith("Confirmed:") and "is confirmed" in en.body
    assert zh.subject.startswith("报名成功") and "已确认" in zh.body
    names = [a[0] for a in en.attachments]
    assert names == ["checkin-qr.png", "event.ics"]
    assert en.attachments[0][1][:8] == b"\x89PNG\r\n\x1a\n"
    assert Calendar.from_ical(en.attachments[1][1]).walk("VEVENT")


def test_waitlisted_then_promoted_mails(make_event, riders, django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = confirmed(event, riders[0])
        confirmed(event, riders[1])
    assert [m.subject.split("：")[0] for m in mail.outbox] == ["报名成功", "候补中"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=first)
    subjects = sorted(m.subject.split("：")[0] for m in mail.outbox)
    assert subjects == ["您获得了名额", "报名已取消"]


def test_outbox_sends_each_mail_once_however_often_it_runs(event, riders):
    for rider in riders[:4]:
        confirmed(event, rider)
    assert outbox_send() == 4
    assert outbox_send() == 0
    assert len(mail.outbox) == 4


def test_reminders_go_the_day_before_once(make_event, riders):
    tomorrow = make_event(starts_in_days=1, closes_in_days=0.5)
    later = make_event(starts_in_days=5)
    confirmed(tomorrow, riders[0])
    confirmed(later, riders[1])
    mail.outbox.clear()
    now = timezone.localtime(tomorrow.starts_at) - datetime.timedelta(days=1)
    outbox_send()  # the sign-up e-mails
    mail.outbox.clear()
    assert reminders_send(now=now) == 1
    assert reminders_send(now=now) == 0  # queued once however often the job runs
    assert outbox_send() == 1
    assert reminders_send(now=now) == 0 and outbox_send() == 0
    assert [m.to for m in mail.outbox] == [[riders[0].email]]


def test_event_cancel_mails_everyone_once(make_event, riders, django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    confirmed(event, riders[0])
    confirmed(event, riders[1])
    outbox_send()  # the sign-up e-mails
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event=event, reason="暴雨")
        event_cancel(event=event, reason="暴雨")
    assert len(mail.outbox) == 2 and all("暴雨" in m.body for m in mail.outbox)


# --- calendars ----------------------------------------------------------------------------------

def test_event_ics_and_personal_feed(client, event, riders):
    response = client.get(f"/events/{event.slug}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    vevent = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)
    confirmed(event, riders[0])
    client.force_login(riders[0])
    page = client.get("/events/mine/").content.decode()
    feed_url = page.split("/events/feed/", 1)[1].split("</code>", 1)[0]
    client.logout()
    feed = client.get(f"/events/feed/{feed_url}")
    assert feed.status_code == 200
    assert len(Calendar.from_ical(feed.content).walk("VEVENT")) == 1
    assert client.get("/events/feed/1:forged.ics").status_code == 404


def test_start_list_shows_only_allowed_names(client, event):
    shown = UserFactory(show_name_publicly=True)
    hidden = UserFactory(show_name_publicly=False)
    confirmed(event, shown)
    confirmed(event, hidden)
    page = client.get(f"/events/{event.slug}/start-list/").content.decode()
    assert shown.public_name in page and hidden.public_name not in page
    assert hidden.mobile not in page or not hidden.mobile


def test_results_wait_for_the_start_and_only_checked_in_riders_get_a_time(make_event, organizer, client):
    """Issue 25: before, results could be uploaded for an event five weeks away, with times for riders
    who never checked in."""
    from django.utils import translation

    event = make_event(capacity=10)
    here, absent = (confirmed(event, UserFactory()) for _ in range(2))
    translation.activate("en")
    report = results_import(event=event, data=f"{here.bib},1:00:00\n".encode())
    assert report.applied == 0 and "once the event has started" in report.errors[0]
    client.force_login(organizer)
    page = client.get(f"/events/{event.slug}/manage/").content.decode()
    assert 'id="results-later"' in page and "results/upload/" not in page
    event = race_started(event, here)
    translation.activate("en")
    for value in ("1:00:00", "DNF", "DSQ"):
        report = results_import(event=event, data=f"{here.bib},1:00:00\n{absent.bib},{value}\n".encode())
        assert report.applied == 0 and report.errors == [
            f"Line 2: bib {absent.bib} never checked in, so the only possible result is DNS (did not start)."]
    report = results_import(event=event, data=f"{here.bib},1:00:00\n{absent.bib},DNS\n".encode())
    assert report.errors == [] and report.applied == 2
    assert 'id="results-later"' not in client.get(f"/events/{event.slug}/manage/").content.decode()


def test_checkin_codes_read_aloud_without_look_alikes_in_any_case(event, riders):
    """Issue 25: codes were like "2118-uiotO7qvc-Ee" (mixed case, O/0, l/1). Now four-symbol groups from
    an alphabet without look-alikes; typed in lower case, with spaces or without hyphens, they check in;
    a code printed before the change still does."""
    from events.services.checkin import ALPHABET, _old_signature

    registration = confirmed(event, riders[0])
    code = checkin_code(registration)
    pk, *groups = code.split("-")
    assert pk == str(registration.pk) and [len(g) for g in groups] == [4, 4, 4]
    assert set("".join(groups)) <= set(ALPHABET) and not set("01OILU") & set(ALPHABET)
    assert checkin(event=event, code=f" {pk} {' '.join(groups).lower()} ").outcome == CheckinOutcome.CHECKED_IN
    assert checkin(event=event, code=pk + "".join(groups)).outcome == CheckinOutcome.ALREADY
    wrong = groups[0][:3] + ("X" if groups[0][3] != "X" else "Y")
    assert checkin(event=event, code="-".join([pk, wrong, *groups[1:]])).outcome == CheckinOutcome.INVALID
    other = confirmed(event, riders[1])
    old = f"{other.pk}-{_old_signature(other.pk, other.checkin_key)}"
    assert checkin(event=event, code=old).outcome == CheckinOutcome.CHECKED_IN


def test_code_fields_keep_the_letter_keyboard(client, event, organizer):
    """Issue 25: site.js put inputmode=numeric on every field named `code`; check-in codes and entry
    codes have letters. Only allauth's one-time-code fields (six digits by SMS) get the number pad."""
    from pathlib import Path

    from django.conf import settings

    client.force_login(organizer)
    page = client.get(f"/events/{event.slug}/checkin/").content.decode()
    field = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert "inputmode" not in field and 'autocapitalize="characters"' in field
    script = (Path(settings.BASE_DIR) / "static" / "js" / "site.js").read_text()
    assert 'input[name=code]' not in script and 'input[autocomplete=one-time-code]' in script
    from allauth.account.forms import VerifyPhoneForm

    assert VerifyPhoneForm.base_fields["code"].widget.attrs["autocomplete"] == "one-time-code"


def test_already_checked_in_names_the_rider_like_success_in_a_live_region(client, event, organizer):
    """Issue 25: "already checked in" showed the public nickname while success showed the real name
    the helper compares with the ID card; neither was announced to a screen reader."""
    registration = confirmed(event, UserFactory(real_name="张三丰", display_name="山里骑手"))
    client.force_login(organizer)
    client.post(f"/events/{event.slug}/checkin/", {"code": checkin_code(registration)})
    again = client.post(f"/events/{event.slug}/checkin/", {"code": checkin_code(registration)}).content.decode()
    assert 'data-outcome="already"' in again and "张三丰" in again and "山里骑手" not in again
    live = re.search(r'<div id="checkin-live" role="status"[^>]*>(.*?)</div>', again, re.S).group(1)
    assert 'data-outcome="already"' in live


def test_a_refused_results_file_is_tied_to_the_field(client, raced, organizer):
    """Issue 25: "Choose a CSV file." and the import's refusals were flashed messages, tied to no field."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    event, _regs = raced
    client.force_login(organizer)
    empty = client.post(f"/events/{event.slug}/results/upload/", {}, headers={"accept-language": "en"})
    page = empty.content.decode()
    assert empty.status_code == 400 and 'id="error-summary"' in page
    field = re.search(r'<input[^>]*name="file"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_file_error"' in field
    assert re.search(r'id="id_file_error"[^>]*>.*Choose a CSV file', page, re.S)
    bad = client.post(f"/events/{event.slug}/results/upload/", {"file": SimpleUploadedFile("r.csv", b"1,x\n")},
                      headers={"accept-language": "en"}).content.decode()
    assert re.search(r'id="id_file_error"[^>]*>.*Line 1:.*Nothing was applied', bad, re.S)
    assert not Registration.objects.exclude(result="").exists()
