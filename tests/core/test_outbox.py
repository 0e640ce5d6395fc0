"""Issue 10: one bad message never stops the others; transient SMTP errors retry with backoff;
titles cannot carry header breaks; a broker outage after commit never fails the request."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.test import override_settings
from django.utils import timezone

from core import outbox
from core.models import Outbox
from events.models import Event
from events.services import registration_create

BROKEN_BACKEND = "tests.core.test_outbox.FlakyBackend"


class FlakyBackend(locmem.EmailBackend):
    """Refuses to connect while `down` is set (an SMTP outage)."""

    down = False

    def send_messages(self, messages):
        if FlakyBackend.down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def _sign_up(event, riders):
    return [registration_create(event=event, category=event.categories.get(), rider=r)[0] for r in riders]


def test_a_title_with_a_line_break_fails_alone_and_the_rest_go_out(make_event, riders):
    good = make_event(title="好活动")
    bad = make_event(title="坏活动")
    _sign_up(good, riders[:2])
    Event.objects.filter(pk=bad.pk).update(title="坏活动\nBcc: everyone@example.com")  # written before validation
    _sign_up(bad, riders[2:3])
    _sign_up(good, riders[3:4])
    assert outbox.send_due() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in (*riders[:2], riders[3]))
    failed = Outbox.objects.get(status="failed")
    assert failed.object_id and "BadHeaderError" in failed.last_error
    assert outbox.send_due() == 0 and len(mail.outbox) == 3  # nothing twice, the failed one stays failed
    # staff mend the title and queue it again
    Event.objects.filter(pk=bad.pk).update(title="坏活动")
    assert outbox.retry_failed(ids=[failed.pk]) == 1
    assert outbox.send_due() == 1 and Outbox.objects.get(pk=failed.pk).status == "sent"


@override_settings(EMAIL_BACKEND=BROKEN_BACKEND)
def test_smtp_down_retries_with_backoff_then_sends_once(event, riders):
    FlakyBackend.down = True
    try:
        _sign_up(event, riders[:2])
        assert outbox.send_due() == 0
        rows = list(Outbox.objects.all())
        assert all(r.status == "pending" and r.attempts == 1 and r.next_attempt_at > timezone.now() for r in rows)
        assert outbox.send_due() == 0  # not due yet: nothing is hammered
        first_wait = rows[0].next_attempt_at - timezone.now()
        assert datetime.timedelta(seconds=50) < first_wait <= datetime.timedelta(seconds=60)
        Outbox.objects.update(next_attempt_at=timezone.now())
        outbox.send_due()
        assert Outbox.objects.first().next_attempt_at - timezone.now() > datetime.timedelta(seconds=110)  # doubled
    finally:
        FlakyBackend.down = False
    Outbox.objects.update(next_attempt_at=timezone.now())
    assert outbox.send_due() == 2 and outbox.send_due() == 0
    assert len(mail.outbox) == 2


def test_transient_errors_give_up_after_the_last_attempt(event, riders):
    _sign_up(event, riders[:1])
    row = Outbox.objects.get()
    Outbox.objects.filter(pk=row.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    with override_settings(EMAIL_BACKEND=BROKEN_BACKEND):
        FlakyBackend.down = True
        try:
            outbox.send_due()
        finally:
            FlakyBackend.down = False
    row.refresh_from_db()
    assert row.status == "failed" and "SMTPServerDisconnected" in row.last_error


@pytest.mark.parametrize("title", ["两行\n标题", "回车\r标题", "空字符\x00标题"])
def test_titles_with_control_characters_are_refused(make_event, title):
    with pytest.raises(ValidationError) as caught:
        make_event(title=title)
    assert "title" in caught.value.message_dict


def test_a_broker_outage_after_commit_does_not_fail_the_sign_up(client, event, riders, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    """The fact is committed; queueing the send fails (Redis down); the request still succeeds and
    the row waits for beat."""
    from celery import current_app

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    current_app.loader.import_default_modules()
    monkeypatch.setattr(current_app.tasks[outbox.SEND_TASK], "apply_async", refuse)
    client.force_login(riders[0])
    category = event.categories.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/events/{event.slug}/registrations/", {"category": category.pk},
                               content_type="application/json")
    assert response.status_code == 201
    assert Outbox.objects.filter(status="pending").count() == 1 and not mail.outbox
    monkeypatch.undo()
    assert outbox.send_due() == 1  # what beat does a minute later


@override_settings(EMAIL_BACKEND=BROKEN_BACKEND)
def test_account_mail_waits_out_an_smtp_outage_and_keeps_no_link_once_sent(client, db):
    """allauth's e-mails go through the outbox too: a sign-up during an SMTP outage succeeds, the
    verification is sent when SMTP is back, and its one-time link is not kept afterwards."""
    FlakyBackend.down = True
    try:
        form = {"phone": "13811112222", "username": "outage", "email": "outage@example.com",
                "password1": "Qilihe-river-2026", "password2": "Qilihe-river-2026"}
        response = client.post("/accounts/signup/", form)
        assert response.status_code == 302
        from core import sms
        code = [m for m in sms.sent if m.phone == "+8613811112222"][-1].params["code"]
        assert client.post("/accounts/phone/verify/", {"code": code}).status_code == 302  # the number first
        outbox.send_due()
        row = Outbox.objects.get(topic=outbox.RENDERED)
        assert row.status == "pending" and row.attempts == 1 and "confirm-email" in row.payload["body"]
    finally:
        FlakyBackend.down = False
    Outbox.objects.update(next_attempt_at=timezone.now())
    assert outbox.send_due() == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.payload == {}
    assert [m.to for m in mail.outbox] == [["outage@example.com"]] and "confirm-email" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_inline_a_requests_messages_go_out_after_its_response(make_event, settings):
    """Issue 27: without Redis, tasks run in the process; a request's messages (a ballot draw's
    thousands) are sent once the WSGI server has the response and closes it, not inside the view."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    from tests.factories import UserFactory

    settings.CELERY_TASK_ALWAYS_EAGER = True
    event = make_event(capacity=5)
    from rest_framework.authtoken.models import Token

    rider = UserFactory(email="wsgi@example.com")
    token = Token.objects.create(user=rider)
    client = Client()
    mail.outbox.clear()
    path = f"/api/v1/events/{event.slug}/registrations/".encode().decode("latin-1")  # PEP 3333
    environ = client._base_environ(PATH_INFO=path, REQUEST_METHOD="POST",
                                   CONTENT_TYPE="application/json", HTTP_ACCEPT="application/json",
                                   HTTP_AUTHORIZATION=f"Token {token.key}")
    body = f'{{"category": {event.categories.get().pk}}}'.encode()
    environ["wsgi.input"] = __import__("io").BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    started = []
    response = WSGIHandler()(environ, lambda status, headers: started.append(status))
    assert started == ["201 Created"]
    assert mail.outbox == [] and Outbox.objects.filter(status="pending").count() == 1  # queued, not sent yet
    response.close()  # what the server does once the body has gone out
    assert [m.to for m in mail.outbox] == [["wsgi@example.com"]]
    assert Outbox.objects.filter(status="pending").count() == 0
