"""Issue 28: messages to the field. The organizer writes to every confirmed rider, a category, or
those not yet picked up or checked in, by SMS and/or e-mail: a preview with the count and the SMS
cost, then one outbox row per rider reached (each sent once), the message kept on the event; rate
limited; bad input refused in the organizer's language, nothing sent."""

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import translation

from core import sms
from core.errors import ServiceError
from core.outbox import send_due
from events.models import FieldMessage
from events.services import (
    Scan,
    checkins_sync,
    field_message_preview,
    field_message_send,
    registration_cancel,
    registration_create,
)
from tests.factories import UserFactory


@pytest.fixture
def field(make_event, organizer):
    event = make_event(categories=[{"name": "100公里", "capacity": 3}, {"name": "50公里", "capacity": 2}])
    long, short = event.categories.order_by("position")
    people = [UserFactory(mobile="+8613800138001"),
              UserFactory(mobile="+8613800138002", email="", verified_email=False),
              UserFactory(email="", verified_email=False),  # neither a mobile nor an address
              UserFactory(mobile="+8613800138004"), UserFactory(), UserFactory()]
    seats = [registration_create(event=event, category=long, rider=p)[0] for p in people[:4]]  # the 4th waits
    seats += [registration_create(event=event, category=short, rider=p)[0] for p in people[4:]]
    registration_cancel(registration=seats[5])
    return event, long, short, seats


def test_the_preview_counts_whom_it_reaches_and_what_the_texts_cost(field, settings):
    event, _long, short, seats = field
    settings.SMS_PRICE_FEN = 5
    everyone = field_message_preview(event=event, audience="all", text="出发时间推迟到 8:30。")
    # confirmed: three of 100 km (one with neither channel) and one of 50 km; the waiting and the cancelled not
    assert (everyone.recipients, everyone.unreachable, everyone.emails, everyone.sms_count) == (3, 1, 2, 2)
    assert everyone.sms_cost_fen == 10 and everyone.sms_text.endswith("：出发时间推迟到 8:30。")
    long_text = field_message_preview(event=event, audience="all", text="长" * 80, by_email=False)
    assert (long_text.recipients, long_text.sms_count, long_text.sms_cost_fen) == (2, 4, 20)  # two parts each
    assert field_message_preview(event=event, audience="category", category=short, text="x").recipients == 1
    checkins_sync(event=event, by=event.created_by, scans=[Scan(nonce="phone-00000001", action="pickup",
                                                                at=seats[0].queued_at, registration=seats[0].pk)])
    assert field_message_preview(event=event, audience="not_picked_up", text="x", by_email=False).recipients == 1


def test_a_message_goes_to_each_rider_once_by_the_channels_chosen_and_is_kept(field, organizer,
                                                                              django_capture_on_commit_callbacks):
    event, *_ = field
    sms.sent.clear()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = field_message_send(event=event, by=organizer, audience="all", text="补给站 2 改到 45 公里处。")
    send_due()
    send_due()  # again: nothing twice
    assert sorted(s.phone for s in sms.sent if s.kind == "field") == ["+8613800138001", "+8613800138002"]
    assert all("补给站 2 改到 45 公里处。" in s.text for s in sms.sent if s.kind == "field")
    assert len([m for m in mail.outbox if "补给站 2" in m.body]) == 2
    kept = FieldMessage.objects.get(pk=message.pk)
    assert (kept.recipients, kept.sms_count, kept.by) == (3, 2, organizer)


def test_bad_input_and_too_many_messages_are_refused_and_nothing_is_sent(field, organizer):
    event, _long, _short, _ = field
    with translation.override("zh-hans"):
        for spec, problem in (({"audience": "all", "text": ""}, "1 到 300"),
                              ({"audience": "all", "text": "x" * 301}, "1 到 300"),
                              ({"audience": "all", "text": "x", "by_sms": False, "by_email": False}, "短信"),
                              ({"audience": "category", "text": "x"}, "组别"),
                              ({"audience": "nobody", "text": "x"}, "发给谁")):
            with pytest.raises(ServiceError) as refused:
                field_message_send(event=event, by=organizer, **spec)
            assert problem in str(refused.value), (spec, str(refused.value))
    assert not FieldMessage.objects.exists()
    field_message_send(event=event, by=organizer, audience="all", text="第一条")
    with translation.override("en"), pytest.raises(ServiceError, match="few minutes ago"):
        field_message_send(event=event, by=organizer, audience="all", text="第一条")  # a double tap
    with override_settings(FIELD_MESSAGES_PER_HOUR=3):
        for n in range(2):
            field_message_send(event=event, by=organizer, audience="all", text=f"第{n + 2}条")
        with translation.override("en"), pytest.raises(ServiceError, match="3 messages an hour"):
            field_message_send(event=event, by=organizer, audience="all", text="第五条")
    assert FieldMessage.objects.count() == 3


def test_the_organizers_page_previews_then_sends(client, field, organizer, riders):
    event, long, *_ = field
    path = f"/events/{event.slug}/messages/"
    client.force_login(riders[0])
    assert client.get(path).status_code == 404  # a rider, not the organizer
    client.force_login(organizer)
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    body = {"audience": "category", "category": long.pk, "by_sms": "on", "text": "8:30 出发"}
    preview = client.post(path, body, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "field-preview" in preview and "field-send" in preview and not FieldMessage.objects.exists()
    refused = client.post(path, {**body, "text": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 200 and "error" in refused.content.decode() and not FieldMessage.objects.exists()
    sent = client.post(path, {**body, "send": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert FieldMessage.objects.get().category == long
    assert "8:30 出发" in sent.content.decode() and "field-kept" in sent.content.decode()
