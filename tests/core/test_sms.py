"""SMS: the cloud backends' requests as Alibaba Cloud and Tencent Cloud document them (the real SDKs,
the network replaced at the transport: requests' adapter), their refusals, the daily cap, and
event messages by the channel each rider chose, each channel sent once whatever retries happen."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import mail
from django.core.cache import cache

from core import sms
from core.models import Outbox
from core.outbox import send_due
from events.services import registration_create
from tests.factories import UserFactory


class Transport:
    """Stands in for the network under requests: records each request, answers what it is told."""

    def __init__(self) -> None:
        self.requests: list[requests.PreparedRequest] = []
        self.answer: dict | None = None
        self.fail = False

    def send(self, adapter, request, **kwargs):
        self.requests.append(request)
        if self.fail:
            raise requests.ConnectionError("network down")
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self.answer).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response


@pytest.fixture
def transport(monkeypatch):
    fake = Transport()
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", lambda adapter, request, **kw: fake.send(
        adapter, request, **kw))
    cache.clear()
    return fake


@pytest.fixture
def alibaba(settings, transport):
    settings.SMS_BACKEND = "alibaba"
    settings.SMS_SIGN_NAME = "邢台骑行"
    settings.SMS_TEMPLATES = {"code": "SMS_460000001", "confirmed": "SMS_460000002"}
    settings.SMS_ALIBABA = {"ACCESS_KEY_ID": "LTAI5tTestKeyId", "ACCESS_KEY_SECRET": "test-secret",
                            "ENDPOINT": "dysmsapi.aliyuncs.com"}
    transport.answer = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
    return transport


@pytest.fixture
def tencent(settings, transport):
    settings.SMS_BACKEND = "tencent"
    settings.SMS_SIGN_NAME = "邢台骑行"
    settings.SMS_TEMPLATES = {"code": "1110001", "confirmed": "1110002"}
    settings.SMS_TENCENT = {"SECRET_ID": "AKIDtestsecretid", "SECRET_KEY": "test-key", "APP_ID": "1400006666",
                            "REGION": "ap-guangzhou", "ENDPOINT": "sms.tencentcloudapi.com"}
    transport.answer = {"Response": {"SendStatusSet": [{
        "SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": "+8613812345678", "Fee": 1,
        "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}], "RequestId": "a0aabda6"}}
    return transport


def _params(request):
    """Alibaba's RPC parameters, from the query and the form body."""
    found = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    if request.body:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        found.update({k: v[0] for k, v in parse_qs(body).items()})
    return found


def test_alibaba_sendsms_request_as_documented(alibaba, db):
    sms.send(sms.Sms(phone="+8613812345678", kind="code", params={"code": "123456"}, text="..."))
    request = alibaba.requests[-1]
    assert urlsplit(request.url).hostname == "dysmsapi.aliyuncs.com" and request.method == "POST"
    params = _params(request)
    assert request.headers["x-acs-action"] == "SendSms" and request.headers["x-acs-version"] == "2017-05-25"
    assert params["PhoneNumbers"] == "13812345678" and params["SignName"] == "邢台骑行"
    assert params["TemplateCode"] == "SMS_460000001" and json.loads(params["TemplateParam"]) == {"code": "123456"}
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI5tTestKeyId")
    assert "test-secret" not in str(request.headers) + request.url


def test_alibaba_refusals(alibaba, db):
    alibaba.answer = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "x"}
    with pytest.raises(sms.SmsError) as refused:
        sms.send(sms.Sms(phone="+8613812345678", kind="code", params={"code": "1"}))
    assert refused.value.permanent
    alibaba.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控", "RequestId": "x"}
    with pytest.raises(sms.SmsError) as throttled:
        sms.send(sms.Sms(phone="+8613812345679", kind="code", params={"code": "1"}))
    assert not throttled.value.permanent  # flow control mends itself: retried
    alibaba.fail = True
    with pytest.raises(sms.SmsError) as down:
        sms.send(sms.Sms(phone="+8613812345670", kind="code", params={"code": "1"}))
    assert not down.value.permanent
    with pytest.raises(sms.SmsError) as untemplated:
        sms.send(sms.Sms(phone="+8613812345671", kind="offer", params={}))
    assert untemplated.value.permanent and "template" in str(untemplated.value)


def test_tencent_sendsms_request_as_documented(tencent, db):
    sms.send(sms.Sms(phone="+8613812345678", kind="code", params={"code": "654321"}))
    request = tencent.requests[-1]
    assert urlsplit(request.url).hostname == "sms.tencentcloudapi.com" and request.method == "POST"
    body = json.loads(request.body)
    assert body == {"PhoneNumberSet": ["+8613812345678"], "SmsSdkAppId": "1400006666", "SignName": "邢台骑行",
                    "TemplateId": "1110001", "TemplateParamSet": ["654321"]}
    assert request.headers["X-TC-Action"] == "SendSms" and request.headers["X-TC-Version"] == "2021-01-11"
    assert request.headers["X-TC-Region"] == "ap-guangzhou"
    assert request.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtestsecretid/")
    tencent.answer["Response"]["SendStatusSet"][0]["Code"] = "InvalidParameterValue.IncorrectPhoneNumber"
    with pytest.raises(sms.SmsError) as refused:
        sms.send(sms.Sms(phone="+8613812345679", kind="code", params={"code": "1"}))
    assert refused.value.permanent


def test_the_daily_cap_per_number(settings, db):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    cache.clear()
    sms.sent.clear()
    for _ in range(2):
        sms.send(sms.Sms(phone="+8613800000001", kind="code", params={"code": "1"}))
    with pytest.raises(sms.SmsCapReached):
        sms.send(sms.Sms(phone="+8613800000001", kind="code", params={"code": "1"}))
    sms.send(sms.Sms(phone="+8613800000002", kind="code", params={"code": "1"}))  # another number: its own cap
    assert len(sms.sent) == 3


def _rider(notify_by, *, email=True, phone=True):
    return UserFactory(notify_by=notify_by, email="r@example.com" if email else "",
                       phone="+8613812340000" if phone else "", phone_verified=phone)


@pytest.mark.parametrize(("notify_by", "email", "phone", "expected"), [
    ("both", True, True, {"email", "sms"}), ("sms", True, True, {"sms"}), ("email", True, True, {"email"}),
    ("sms", True, False, {"email"}), ("email", False, True, {"sms"}), ("both", False, False, set())])
def test_event_messages_go_by_the_riders_choice(make_event, notify_by, email, phone, expected):
    sms.sent.clear()
    cache.clear()
    event = make_event(title="七里河骑行")
    rider = _rider(notify_by, email=email, phone=phone)
    registration = registration_create(event=event, category=event.categories.get(), rider=rider)[0]
    send_due()
    got = ({"email"} if mail.outbox else set()) | ({"sms"} if sms.sent else set())
    assert got == expected
    if "sms" in expected:
        text = sms.sent[-1]
        assert text.kind == "confirmed" and text.params["code"] and text.phone == "+8613812340000"
        assert text.params["code"] in text.text
    row = Outbox.objects.get(object_id=registration.pk, kind="confirmed")
    assert set(row.done) == expected


def test_an_sms_outage_delays_the_text_and_never_sends_the_e_mail_twice(make_event, alibaba, settings):
    event = make_event(title="七里河骑行")
    rider = _rider("both")
    registration_create(event=event, category=event.categories.get(), rider=rider)
    alibaba.fail = True
    send_due()
    row = Outbox.objects.get(kind="confirmed")
    assert row.status == "pending" and row.done == ["email"] and len(mail.outbox) == 1
    alibaba.fail = False
    Outbox.objects.update(next_attempt_at=row.created_at)
    send_due()
    row.refresh_from_db()
    assert row.status == "sent" and row.done == ["email", "sms"] and len(mail.outbox) == 1
    assert _params(alibaba.requests[-1])["TemplateCode"] == "SMS_460000002"


def test_a_kind_without_an_approved_template_goes_by_e_mail_only(make_event, alibaba):
    event = make_event(title="七里河骑行")
    registration_create(event=event, category=event.categories.get(), rider=_rider("both"))
    from events.services import event_cancel
    event_cancel(event=event)  # no "event_cancelled" template configured in this test
    send_due()
    cancelled = Outbox.objects.get(kind="event_cancelled")
    assert cancelled.status == "sent" and cancelled.done == ["email"]


def test_club_announcements_by_sms_for_members_who_chose_it(db):
    from clubs.models import Membership
    from clubs.services import announcement_create, club_create
    sms.sent.clear()
    cache.clear()
    owner = UserFactory()
    club = club_create(name="邢台骑行会", founder=owner)
    texter = _rider("sms")
    Membership.objects.create(club=club, user=texter, state="active")
    announcement_create(club=club, author=owner, subject="周六太行山拉练", body="早上七点集合")
    send_due()
    assert [(m.phone, m.kind, m.params["title"]) for m in sms.sent] == [("+8613812340000", "announcement",
                                                                          "周六太行山拉练")]
