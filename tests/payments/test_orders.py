"""Issue 12, first slice: a paid category holds the seat until the rider pays (an order in fen,
priced by the server); the development gateway pays through the same signed-notification code as a
real provider; unpaid seats expire to the waitlist as offers; a late payment takes a free seat or
is refunded; forged, replayed or wrong-amount notifications change nothing."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core.models import StatusChange
from core.outbox import send_due
from events.models import Registration
from events.services import registration_create
from payments import providers
from payments.models import Order, Payment, Refund
from payments.services import dev_notification, orders_expire
from tests.factories import UserFactory


@pytest.fixture
def race(make_event):
    return make_event(title="太行山挑战赛", categories=[
        {"name": "100公里", "capacity": 1, "fee_cny": Decimal("120.50"), "waitlist_enabled": True}])


def _pay(order, **changes):
    payload = {"order": order.pk, "txn": "T1", "amount_fen": order.amount_fen, "currency": "CNY", **changes}
    body, signature = providers.dev_sign(payload)
    return dev_notification(body=body, signature=signature)


def test_a_paid_sign_up_holds_the_seat_until_paid(client, race):
    rider = UserFactory()
    registration = registration_create(event=race, category=race.categories.get(), rider=rider)[0]
    assert registration.status == "awaiting_payment" and registration.confirmed_at is None
    order = Order.objects.get(registration=registration)
    assert order.amount_fen == 12050 and order.status == "pending"
    assert 29 <= (order.expires_at - timezone.now()).total_seconds() / 60 <= 30
    assert race.categories.get().confirmed_count == 1  # the held seat counts
    client.force_login(rider)
    page = client.get(f"/events/registrations/{registration.pk}/").content.decode()
    assert 'id="awaiting-payment"' in page and f"/payments/orders/{order.pk}/" in page and 'id="checkin-qr"' not in page
    order_page = client.get(f"/payments/orders/{order.pk}/").content.decode()
    assert 'id="pay-dev"' in order_page and "¥120.50" in order_page  # the methods switched on: here the gateway
    assert client.post(f"/payments/orders/{order.pk}/", {"method": "dev"})["Location"] == f"/payments/dev/{order.pk}/"
    client.post(f"/payments/dev/{order.pk}/", {"outcome": "fail"})
    assert Order.objects.get(pk=order.pk).status == "pending"
    client.post(f"/payments/dev/{order.pk}/", {"outcome": "succeed"})
    order.refresh_from_db()
    registration.refresh_from_db()
    assert order.status == "paid" and registration.status == "confirmed" and registration.bib
    assert Payment.objects.filter(order=order).count() == 1
    send_due()
    assert any("报名成功" in m.subject for m in mail.outbox)
    assert 'id="checkin-qr"' in client.get(f"/events/registrations/{registration.pk}/").content.decode()


def test_forged_replayed_and_wrong_amount_notifications_change_nothing(client, race):
    registration = registration_create(event=race, category=race.categories.get(), rider=UserFactory())[0]
    order = Order.objects.get(registration=registration)
    body, _signature = providers.dev_sign({"order": order.pk, "txn": "X", "amount_fen": order.amount_fen,
                                           "currency": "CNY"})
    assert client.post("/payments/notify/dev/", body, content_type="application/json",
                       headers={"X-Dev-Signature": "0" * 64}).status_code == 400
    for wrong in ({"amount_fen": 1}, {"currency": "USD"}, {"order": 999999}):
        body, signature = providers.dev_sign({"order": order.pk, "txn": "Y", "amount_fen": order.amount_fen,
                                              "currency": "CNY", **wrong})
        assert client.post("/payments/notify/dev/", body, content_type="application/json",
                           headers={"X-Dev-Signature": signature}).status_code == 400
    assert Order.objects.get(pk=order.pk).status == "pending" and not Payment.objects.exists()
    body, signature = providers.dev_sign({"order": order.pk, "txn": "T1", "amount_fen": order.amount_fen,
                                          "currency": "CNY"})
    for _twice in range(2):
        response = client.post("/payments/notify/dev/", body, content_type="application/json",
                               headers={"X-Dev-Signature": signature})
        assert response.status_code == 200 and response.content == b"success"
    assert Payment.objects.count() == 1 and Order.objects.get(pk=order.pk).status == "paid"
    assert json.loads(body)["amount_fen"] == 12050


def test_an_unpaid_seat_expires_to_the_waitlist_as_an_offer(race):
    first, second = UserFactory(), UserFactory()
    category = race.categories.get()
    held = registration_create(event=race, category=category, rider=first)[0]
    waiting = registration_create(event=race, category=category, rider=second)[0]
    assert waiting.status == "waitlisted"
    order = Order.objects.get(registration=held)
    assert orders_expire(now=order.expires_at - datetime.timedelta(seconds=1)) == 0
    assert orders_expire(now=order.expires_at + datetime.timedelta(seconds=1)) == 1
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert held.status == "cancelled" and Order.objects.get(pk=order.pk).status == "expired"
    assert waiting.status == "awaiting_payment"  # the offer: the seat is theirs once they pay
    offer = Order.objects.get(registration=waiting)
    assert 23.9 <= (offer.expires_at - timezone.now()).total_seconds() / 3600 <= 24
    category.refresh_from_db()
    assert category.confirmed_count == 1  # one seat, held for the offer


def test_a_payment_after_expiry_takes_a_free_seat_or_is_refunded(race):
    category = race.categories.get()
    late = registration_create(event=race, category=category, rider=UserFactory())[0]
    order = Order.objects.get(registration=late)
    orders_expire(now=order.expires_at + datetime.timedelta(seconds=1))
    assert _pay(order).status == "paid"  # the seat was free again
    assert Registration.objects.get(pk=late.pk).status == "confirmed"

    latecomer = registration_create(event=race, category=category, rider=UserFactory())[0]
    assert latecomer.status == "waitlisted"  # the only seat is taken: no order, nothing to pay yet
    assert not Order.objects.filter(registration=latecomer).exists()


def test_a_late_payment_without_a_seat_is_refunded(make_event):
    event = make_event(categories=[{"name": "短途", "capacity": 1, "fee_cny": Decimal("50")}])
    category = event.categories.get()
    first = registration_create(event=event, category=category, rider=UserFactory())[0]
    order = Order.objects.get(registration=first)
    orders_expire(now=order.expires_at + datetime.timedelta(seconds=1))
    taker = registration_create(event=event, category=category, rider=UserFactory())[0]
    _pay(Order.objects.get(registration=taker), txn="T-taker")
    refunded = _pay(order, txn="T-late")
    assert refunded.status == "refunded"
    refund = Refund.objects.get(order=order)
    assert refund.amount_fen == 5000 and refund.status == "succeeded"
    assert Registration.objects.get(pk=first.pk).status == "cancelled"
    category.refresh_from_db()
    assert category.confirmed_count == 1 == Registration.objects.filter(event=event, status="confirmed").count()


def test_orders_in_the_api(client, race):
    rider = UserFactory()
    client.force_login(rider)
    response = client.post(f"/api/v1/events/{race.slug}/registrations/", {"category": race.categories.get().pk},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "awaiting_payment"
    order = Order.objects.get(rider=rider)
    body = response.json()
    assert body["bib"] is None and body["order"]["id"] == order.pk and body["order"]["amount_fen"] == 12050
    assert body["order"]["currency"] == "CNY" and body["order"]["pay_url"] == f"/payments/orders/{order.pk}/"
    assert client.get("/api/v1/orders/").json()[0]["id"] == order.pk
    assert client.get(f"/api/v1/orders/{order.pk}/").json()["amount_fen"] == 12050
    paid = client.post(f"/api/v1/orders/{order.pk}/dev-pay/", {"outcome": "succeed"}, content_type="application/json")
    assert paid.json()["status"] == "paid"
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/orders/{order.pk}/").status_code == 404


def test_the_development_gateway_is_off_in_production(client, race, settings):
    settings.PAYMENTS_DEV_GATEWAY = False
    registration = registration_create(event=race, category=race.categories.get(), rider=UserFactory())[0]
    order = Order.objects.get(registration=registration)
    client.force_login(registration.rider)
    assert client.get(f"/payments/dev/{order.pk}/").status_code == 404
    assert client.post(f"/api/v1/orders/{order.pk}/dev-pay/", {"outcome": "succeed"},
                       content_type="application/json").status_code == 404


def test_an_order_past_its_deadline_reads_as_expired_and_only_the_job_releases_its_seat(client, race):
    registration = registration_create(event=race, category=race.categories.get(), rider=UserFactory())[0]
    order = Order.objects.get(registration=registration)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(registration.rider)
    changes = StatusChange.objects.count()
    page = client.get(f"/events/registrations/{registration.pk}/").content.decode()
    assert f"/payments/orders/{order.pk}/" not in page  # no paying for a seat no longer held
    assert client.get(f"/api/v1/orders/{order.pk}/").json()["status"] == "expired"
    assert "已过期" in client.get("/payments/orders/").content.decode()
    client.get("/me/")
    # reading wrote nothing: the order and the seat move when the expiry job runs
    assert Order.objects.get(pk=order.pk).status == "pending" and StatusChange.objects.count() == changes
    assert Registration.objects.get(pk=registration.pk).status == "awaiting_payment"
    assert orders_expire() == 1
    assert Registration.objects.get(pk=registration.pk).status == "cancelled"
    assert race.categories.get().confirmed_count == 0


def test_organizers_mark_an_on_site_payment(client, race, organizer):
    rider = UserFactory(real_name="现场付款")
    registration = registration_create(event=race, category=race.categories.get(), rider=rider)[0]
    order = Order.objects.get(registration=registration)
    client.force_login(organizer)
    assert "/payments/events/" in client.get(f"/events/{race.slug}/manage/").content.decode()
    page = client.get(f"/payments/events/{race.slug}/unpaid/").content.decode()
    assert "现场付款" in page and "¥120.50" in page
    client.post(f"/payments/events/{race.slug}/unpaid/", {"order": order.pk})
    order.refresh_from_db()
    assert order.status == "paid" and Registration.objects.get(pk=registration.pk).status == "confirmed"
    payment = Payment.objects.get(order=order)
    assert payment.provider == "offline" and payment.raw["by"] == organizer.pk
    client.force_login(rider)  # a rider cannot mark their own seat paid
    assert client.post(f"/payments/events/{race.slug}/unpaid/", {"order": order.pk}).status_code == 404


def test_withdrawing_an_unpaid_seat_frees_it_and_withdraws_the_order(race):
    category = race.categories.get()
    held = registration_create(event=race, category=category, rider=UserFactory())[0]
    waiting = registration_create(event=race, category=category, rider=UserFactory())[0]
    from events.services import registration_cancel

    registration_cancel(registration=held)
    assert Order.objects.get(registration=held).status == "cancelled"
    assert Registration.objects.get(pk=waiting.pk).status == "awaiting_payment"  # the seat went on, as an offer
    category.refresh_from_db()
    assert category.confirmed_count == 1 == Registration.objects.filter(
        event=race, status__in=Registration.SEATED).count()  # no seat lost


def test_i_have_paid_before_paying_says_so(client, race):
    """Issue 25: "我已支付" before paying reloaded the page with no word; now a message says what to do."""
    rider = UserFactory()
    registration = registration_create(event=race, category=race.categories.get(), rider=rider)[0]
    order = Order.objects.get(registration=registration)
    client.force_login(rider)
    page = client.post(f"/payments/orders/{order.pk}/", {"action": "check"}, follow=True,
                       headers={"accept-language": "zh-hans"}).content.decode()
    assert "你还没有为这笔订单发起付款" in page and 'id="pay-check"' in page
    client.post(f"/payments/orders/{order.pk}/", {"method": "dev"})  # started, not finished
    page = client.post(f"/payments/orders/{order.pk}/", {"action": "check"}, follow=True,
                       headers={"accept-language": "zh-hans"}).content.decode()
    assert "尚未收到这笔订单的付款" in page
    order.refresh_from_db()
    assert order.status == "pending"


def test_the_manage_page_counts_seats_held_for_payment(client, race, organizer):
    """Issue 25: the seat table showed capacity 1, confirmed 0 while the only seat was held for a
    rider paying: now held and free seats have their columns."""
    registration_create(event=race, category=race.categories.get(), rider=UserFactory())
    client.force_login(organizer)
    page = client.get(f"/events/{race.slug}/manage/").content.decode()
    assert '<td class="held">1</td><td class="free">0</td>' in page
