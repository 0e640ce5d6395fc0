"""Issue 12, providers: WeChat Pay API v3 and Alipay through their real client libraries; only the
network is replaced, by a fake gateway on loopback that answers and signs with keys generated
here. Tampered signature, wrong amount, unknown order, another merchant, a stale or replayed
notification: refused or ignored, nothing changes. Late notifications: the query fallback.
Refunds go back through the provider and are followed to the end."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from events.services import registration_cancel, registration_create
from payments import providers
from payments.models import EventPayment, Order, Payment, Refund
from payments.providers.base import Start
from payments.services import refunds_follow
from tests.factories import UserFactory
from tests.payments.fakegateway import ALIPAY_APPID, FakeGateway, alipay_trade, sign, verify

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"


@pytest.fixture
def gateway(tmp_path, settings):
    fake = FakeGateway(tmp_path)
    settings.WECHATPAY, settings.ALIPAY = fake.settings()
    settings.PAYMENTS_DEV_GATEWAY = False
    settings.SITE_URL = "https://ride.example.cn"
    yield fake
    fake.close()


@pytest.fixture
def race(make_event):
    return make_event(title="太行山挑战赛", categories=[
        {"name": "100公里", "capacity": 2, "fee_cny": Decimal("120"), "waitlist_enabled": True}])


@pytest.fixture
def held(race, client):
    registration = registration_create(event=race, category=race.categories.get(), rider=UserFactory())[0]
    client.force_login(registration.rider)
    return Order.objects.get(registration=registration)


def _notify_wechat(client, body, headers):
    return client.generic("POST", "/payments/notify/wechat/", body, content_type="application/json", **headers)


def _state(order):
    order.refresh_from_db()
    return order.status, order.registration.__class__.objects.get(pk=order.registration_id).status, \
        Payment.objects.filter(order=order).count()


def test_wechat_native_on_a_desktop_shows_a_qr_code_and_the_notification_confirms(client, gateway, held):
    page = client.get(f"/payments/orders/{held.pk}/").content.decode()
    assert 'id="pay-wechat"' in page and 'id="pay-alipay"' in page and 'id="pay-dev"' not in page
    answer = client.post(f"/payments/orders/{held.pk}/", {"method": "wechat"}, HTTP_USER_AGENT=DESKTOP)
    assert answer.status_code == 200 and b'id="pay-qr"' in answer.content and b"<svg" in answer.content
    trade = gateway.trades[held.trade_no]
    assert trade["kind"] == "native" and trade["total"] == 12000  # the server's price, in fen
    txn = gateway.pay(held.trade_no)
    body, headers = gateway.wechat_notification("TRANSACTION.SUCCESS", gateway.wechat_paid(held.trade_no, 12000, txn))
    response = _notify_wechat(client, body, headers)
    assert response.status_code == 204 and response.content == b""  # what WeChat Pay expects
    assert _state(held) == ("paid", "confirmed", 1)
    assert _notify_wechat(client, body, headers).status_code == 204  # the same notice again: nothing changes
    assert _state(held) == ("paid", "confirmed", 1)


def test_wechat_h5_on_a_phone_and_jsapi_inside_wechat(client, gateway, held):
    answer = client.post(f"/payments/orders/{held.pk}/", {"method": "wechat"}, HTTP_USER_AGENT=PHONE)
    assert answer.status_code == 302 and answer["Location"].startswith("https://wx.tenpay.com/")
    assert "redirect_url=https%3A%2F%2F" in answer["Location"] and gateway.trades[held.trade_no]["kind"] == "h5"
    start = providers.get("wechat").start(held, channel="wechat", client_ip="1.2.3.4", return_url="/", openid="o-1")
    assert isinstance(start, Start) and start.kind == "jsapi"
    params = start.params
    text = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert verify(gateway.merchant, text, params["paySign"]) and gateway.trades[held.trade_no]["payer"] == {
        "openid": "o-1"}


@pytest.mark.parametrize("tamper", ["signature", "amount", "order", "merchant", "stale", "key"])
def test_wechat_notifications_that_do_not_match_are_refused(client, gateway, held, tamper):
    client.post(f"/payments/orders/{held.pk}/", {"method": "wechat"}, HTTP_USER_AGENT=DESKTOP)
    txn = gateway.pay(held.trade_no)
    resource = gateway.wechat_paid(held.trade_no, 12000, txn)
    options = {}
    if tamper == "amount":
        resource["amount"]["total"] = 1
    elif tamper == "order":
        resource["out_trade_no"] = "XT9999999999"
    elif tamper == "merchant":
        resource["mchid"] = "1900000999"
    elif tamper == "stale":
        options["age"] = 3600
    elif tamper == "key":
        from tests.payments.fakegateway import _key
        options["key"] = _key("a stranger")  # not WeChat Pay's key
    body, headers = gateway.wechat_notification("TRANSACTION.SUCCESS", resource, **options)
    if tamper == "signature":
        body = body.replace(b'"summary"', b'"summarY"')
    response = _notify_wechat(client, body, headers)
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    assert _state(held) == ("pending", "awaiting_payment", 0)


def test_wechat_late_notification_the_i_have_paid_button_asks(client, gateway, held):
    client.post(f"/payments/orders/{held.pk}/", {"method": "wechat"}, HTTP_USER_AGENT=DESKTOP)
    assert client.get(f"/payments/orders/{held.pk}/status/").json()["status"] == "pending"
    gateway.pay(held.trade_no)  # paid on the phone; WeChat's notification is late
    status = client.get(f"/payments/orders/{held.pk}/status/").json()
    assert status["status"] == "paid" and status["next"] == f"/events/registrations/{held.registration_id}/"
    assert _state(held) == ("paid", "confirmed", 1)


def test_a_provider_that_is_down_gets_a_clear_message_and_nothing_changes(client, gateway, held):
    gateway.down = True
    answer = client.post(f"/payments/orders/{held.pk}/", {"method": "wechat"}, HTTP_USER_AGENT=DESKTOP, follow=True)
    assert "微信支付" in answer.content.decode() and "没有响应" in answer.content.decode()
    assert _state(held) == ("pending", "awaiting_payment", 0)


def _paid_by_wechat(client, gateway, order):
    client.post(f"/payments/orders/{order.pk}/", {"method": "wechat"}, HTTP_USER_AGENT=DESKTOP)
    txn = gateway.pay(order.trade_no)
    body, headers = gateway.wechat_notification("TRANSACTION.SUCCESS", gateway.wechat_paid(order.trade_no, 12000, txn))
    assert _notify_wechat(client, body, headers).status_code == 204
    return txn


def test_a_rider_withdrawing_is_refunded_by_wechat_by_the_policy_and_followed_to_the_end(
        client, gateway, held, race, django_capture_on_commit_callbacks):
    EventPayment.objects.create(event=race, refund_full_until=timezone.now() - timezone.timedelta(days=1),
                                refund_part_until=timezone.now() + timezone.timedelta(days=5), refund_part_percent=50)
    txn = _paid_by_wechat(client, gateway, held)
    gateway.refund_mode = "PROCESSING"
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=held.registration)
    refund = Refund.objects.get(order=held)
    assert refund.amount_fen == 6000 and refund.status == "processing" and refund.payment.provider_txn_id == txn
    assert gateway.refunds[refund.reference]["amount"] == 6000
    unknown, headers = gateway.wechat_notification("REFUND.SUCCESS", {
        "mchid": "1900000109", "out_trade_no": held.trade_no, "out_refund_no": "XTRnope", "refund_status": "SUCCESS",
        "amount": {"total": 12000, "refund": 6000}})
    assert _notify_wechat(client, unknown, headers).status_code == 400  # a refund we never made: refused
    body, headers = gateway.wechat_notification("REFUND.SUCCESS", {
        "mchid": "1900000109", "out_trade_no": held.trade_no, "out_refund_no": refund.reference, "refund_id": "503",
        "refund_status": "SUCCESS", "amount": {"total": 12000, "refund": 6000}})
    assert _notify_wechat(client, body, headers).status_code == 204
    refund.refresh_from_db()
    held.refresh_from_db()
    assert refund.status == "succeeded" and held.status == "partially_refunded"
    # the payment's notice arrives again after the refund: nothing changes, no seat comes back
    body, headers = gateway.wechat_notification("TRANSACTION.SUCCESS", gateway.wechat_paid(held.trade_no, 12000, txn))
    assert _notify_wechat(client, body, headers).status_code == 204
    assert _state(held) == ("partially_refunded", "cancelled", 1)


def test_a_refund_the_provider_refuses_is_listed_and_can_be_tried_again(
        client, gateway, held, race, organizer, django_capture_on_commit_callbacks):
    _paid_by_wechat(client, gateway, held)
    gateway.refund_mode = "NOT_ENOUGH"
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/payments/events/{race.slug}/", {"action": "refund", "order": held.pk, "amount": "120",
                                                       "withdraw": "on"})
    refund = Refund.objects.get(order=held)
    assert refund.status == "failed" and "NOT_ENOUGH" in refund.error
    page = client.get(f"/payments/events/{race.slug}/").content.decode()
    assert 'id="failed-refunds"' in page and "NOT_ENOUGH" in page
    assert Registration.objects.get(pk=held.registration_id).status == "cancelled"  # the entry was withdrawn
    gateway.refund_mode = "SUCCESS"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/payments/events/{race.slug}/", {"action": "retry", "refund": refund.pk})
    assert Refund.objects.filter(order=held, status="succeeded").count() == 1
    held.refresh_from_db()
    assert held.status == "refunded"
    assert 'id="failed-refunds"' in client.get(f"/payments/events/{race.slug}/").content.decode()  # still on record


def test_a_refund_sent_while_the_provider_is_down_goes_out_with_the_job(
        client, gateway, held, race, organizer, django_capture_on_commit_callbacks):
    _paid_by_wechat(client, gateway, held)
    gateway.down = True
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/payments/events/{race.slug}/", {"action": "refund", "order": held.pk, "amount": "20"})
    assert Refund.objects.get(order=held).status == "requested"
    gateway.down = False
    gateway.refund_mode = "PROCESSING"
    assert refunds_follow() == {"sent": 1, "asked": 0}
    assert Refund.objects.get(order=held).status == "processing"
    gateway.refunds[Refund.objects.get(order=held).reference]["status"] = "SUCCESS"
    assert refunds_follow() == {"sent": 0, "asked": 1}
    held.refresh_from_db()
    assert Refund.objects.get(order=held).status == "succeeded" and held.status == "partially_refunded"
    assert Registration.objects.get(pk=held.registration_id).status == "confirmed"  # a goodwill refund: still riding


def test_alipay_page_pay_on_a_desktop_wap_on_a_phone(client, gateway, held):
    answer = client.post(f"/payments/orders/{held.pk}/", {"method": "alipay"}, HTTP_USER_AGENT=DESKTOP)
    assert answer.status_code == 302 and answer["Location"].startswith(gateway.url + "/gateway.do?")
    import json
    from urllib.parse import parse_qsl, urlsplit

    from tests.payments.fakegateway import alipay_string
    params = dict(parse_qsl(urlsplit(answer["Location"]).query))
    assert verify(gateway.alipay_app, alipay_string(params, request=True), params["sign"])  # signed by us, RSA2
    biz = json.loads(params["biz_content"])
    assert params["method"] == "alipay.trade.page.pay" and biz["total_amount"] == "120.00"
    assert biz["out_trade_no"] == held.trade_no and params["notify_url"] == "https://ride.example.cn/payments/notify/alipay/"
    answer = client.post(f"/payments/orders/{held.pk}/", {"method": "alipay"}, HTTP_USER_AGENT=PHONE)
    assert dict(parse_qsl(urlsplit(answer["Location"]).query))["method"] == "alipay.trade.wap.pay"


def _alipay_paid(gateway, order, **changes):
    txn = alipay_trade(gateway, order.trade_no, order.amount_fen)
    return gateway.alipay_notification({"out_trade_no": order.trade_no, "trade_no": txn,
                                        "trade_status": "TRADE_SUCCESS", "total_amount": "120.00", **changes})


def test_alipay_notification_confirms_once(client, gateway, held):
    data = _alipay_paid(gateway, held)
    response = client.post("/payments/notify/alipay/", data)
    assert response.status_code == 200 and response.content == b"success"
    assert _state(held) == ("paid", "confirmed", 1)
    assert client.post("/payments/notify/alipay/", data).content == b"success"  # replayed: nothing changes
    assert _state(held) == ("paid", "confirmed", 1)


@pytest.mark.parametrize("tamper", ["signature", "amount", "order", "app", "key"])
def test_alipay_notifications_that_do_not_match_are_refused(client, gateway, held, tamper):
    if tamper == "signature":
        data = _alipay_paid(gateway, held)
        data["total_amount"] = "0.01"  # changed after signing
    elif tamper == "amount":
        data = _alipay_paid(gateway, held, total_amount="1.20")
    elif tamper == "order":
        data = _alipay_paid(gateway, held, out_trade_no="XT9999999999")
    elif tamper == "app":
        data = _alipay_paid(gateway, held, app_id="2021000000000999")
    else:
        txn = alipay_trade(gateway, held.trade_no, 12000)
        from tests.payments.fakegateway import _key
        data = gateway.alipay_notification({"out_trade_no": held.trade_no, "trade_no": txn,
                                            "trade_status": "TRADE_SUCCESS", "total_amount": "120.00"},
                                           key=_key("a stranger"))  # not Alipay's key
    response = client.post("/payments/notify/alipay/", data)
    assert response.status_code == 400 and response.content == b"fail"
    assert _state(held) == ("pending", "awaiting_payment", 0)


def test_alipay_query_fallback_and_refund(client, gateway, held, race, organizer, django_capture_on_commit_callbacks):
    client.post(f"/payments/orders/{held.pk}/", {"method": "alipay"}, HTTP_USER_AGENT=DESKTOP)
    alipay_trade(gateway, held.trade_no, 12000)  # paid on Alipay's page; back on ours before the notice
    page = client.get(f"/payments/orders/{held.pk}/")  # the return page asks Alipay
    assert b'id="order-done"' in page.content and _state(held) == ("paid", "confirmed", 1)
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/payments/events/{race.slug}/", {"action": "refund", "order": held.pk, "amount": "120",
                                                       "withdraw": "on"})
    refund = Refund.objects.get(order=held)
    assert refund.status == "succeeded" and gateway.refunds[refund.reference]["amount"] == "120.00"
    held.refresh_from_db()
    assert held.status == "refunded"
    notice = gateway.alipay_notification({"out_trade_no": held.trade_no, "trade_no": "2026",
                                          "out_biz_no": refund.reference,
                                          "refund_fee": "120.00", "trade_status": "TRADE_CLOSED"})
    assert client.post("/payments/notify/alipay/", notice).content == b"success"  # its notice: nothing more
    assert Refund.objects.filter(order=held).count() == 1


def test_each_event_chooses_its_methods(client, gateway, held, race):
    EventPayment.objects.create(event=race, providers=["alipay"])
    page = client.get(f"/payments/orders/{held.pk}/").content.decode()
    assert 'id="pay-alipay"' in page and 'id="pay-wechat"' not in page
    answer = client.post(f"/payments/orders/{held.pk}/", {"method": "wechat"}, follow=True)
    assert held.trade_no not in gateway.trades and answer.status_code == 200


def test_no_secret_is_logged(client, gateway, held, caplog):
    caplog.set_level("DEBUG")
    _paid_by_wechat(client, gateway, held)
    client.post("/payments/notify/alipay/", _alipay_paid(gateway, held))
    logged = caplog.text
    assert gateway.apiv3_key not in logged and "PRIVATE KEY" not in logged


def test_notify_urls_for_providers_that_are_off_are_404(client, settings):
    settings.WECHATPAY = {**settings.WECHATPAY, "MCHID": ""}
    assert client.post("/payments/notify/wechat/", b"{}", content_type="application/json").status_code == 404
    assert reverse("payments:notify", args=["wechat"]) == "/payments/notify/wechat/"
    assert sign and ALIPAY_APPID  # the fake's helpers are importable without a server


@pytest.mark.parametrize("method", ["wechat", "alipay"])
def test_a_withdrawn_seats_trade_is_closed_and_money_that_still_arrives_goes_back(
        client, gateway, held, method, django_capture_on_commit_callbacks):
    """Issue 22: cancelling a pending order closes its trade with the provider (WeChat Pay close,
    alipay.trade.close), checked by the fake gateway; nothing is closed for a paid order."""
    Order.objects.filter(pk=held.pk).update(provider=method)
    gateway.trades[held.trade_no] = {"total": 12000, "state": "NOTPAY", "txn": ""}
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=held.registration)
    assert gateway.closed == [held.trade_no]
    held.refresh_from_db()
    assert held.status == "cancelled"


def test_a_family_paid_in_one_wechat_payment_is_refunded_seat_by_seat_through_its_trade(
        client, gateway, race, django_capture_on_commit_callbacks):
    """Issue 22: the group order's trade is the one WeChat Pay knows; a child's withdrawal refunds
    their share from that transaction (its id and total), not from a trade WeChat never saw."""
    import datetime

    from events.services import registrations_create_family
    from payments.services import group_order_create

    EventPayment.objects.create(event=race, refund_full_until=timezone.now() + datetime.timedelta(days=9))
    parent = UserFactory(date_of_birth=datetime.date(1985, 1, 1))
    seats = registrations_create_family(category=race.categories.get(), adult=parent, guardian_consent=True,
                                        companions=[{"real_name": "王小宝", "gender": "male",
                                                     "date_of_birth": datetime.date(2014, 5, 1)}])
    group = group_order_create(payer=parent, event=race)
    Order.objects.filter(pk=group.pk).update(provider="wechat")
    gateway.trades[group.trade_no] = {"total": 24000, "state": "NOTPAY", "txn": ""}
    txn = gateway.pay(group.trade_no)
    body, headers = gateway.wechat_notification("TRANSACTION.SUCCESS", gateway.wechat_paid(group.trade_no, 24000, txn))
    assert _notify_wechat(client, body, headers).status_code == 204
    assert set(Registration.objects.filter(pk__in=[s.pk for s in seats]).values_list("status", flat=True)) == {
        "confirmed"}
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=seats[1])
    [sent] = gateway.refunds.values()
    assert sent["transaction_id"] == txn and sent["total"] == 24000 and sent["amount"] == 12000
