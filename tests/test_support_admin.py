"""Issue 25: support finds a rider by phone, name or order number in the admin and sees their
registrations, orders, payments, refunds, messages and status history, read only; the only changes are
actions that call the services. Before: orders, payments, refunds, registrations and events were not in
the admin, a search by phone found nothing, and the outbox's Recipient column was empty."""

from decimal import Decimal

import pytest

from core.models import Outbox, StatusChange
from core.outbox import send_due
from events.models import Registration
from events.services import registration_create
from payments.models import Order
from tests.factories import UserFactory


@pytest.fixture
def staff(client, db):
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def seat(make_event):
    event = make_event(title="太行山挑战赛", categories=[{"name": "100公里", "capacity": 5, "fee_cny": Decimal("120")}])
    rider = UserFactory(username="wangwu", display_name="山里王五", real_name="王五", phone="+8613912345678",
                        phone_verified=True)
    return registration_create(event=event, category=event.categories.get(), rider=rider)[0]


def test_support_finds_a_rider_by_phone_name_or_order_number(staff, seat):
    order = Order.objects.get(registration=seat)
    for url in ("/admin/accounts/user/?q=13912345678", "/admin/accounts/user/?q=王五",
                "/admin/events/registration/?q=13912345678", "/admin/payments/order/?q=王五",
                f"/admin/payments/order/?q={order.pk}"):
        page = staff.get(url).content.decode()
        assert "山里王五" in page or "wangwu" in page, url
        assert "0 results" not in page and "0 个结果" not in page, url
    rider_page = staff.get(f"/admin/accounts/user/{seat.rider.pk}/change/").content.decode()
    assert f"/admin/events/registration/?rider__id__exact={seat.rider.pk}" in rider_page
    assert f"/admin/payments/order/?rider__id__exact={seat.rider.pk}" in rider_page


def test_money_and_seats_are_read_only_in_the_admin(staff, seat):
    order = Order.objects.get(registration=seat)
    page = staff.get(f"/admin/payments/order/{order.pk}/change/").content.decode()
    assert 'name="_save"' not in page and "120" in page
    assert staff.post(f"/admin/payments/order/{order.pk}/change/", {"status": "paid"}).status_code == 403
    assert staff.post(f"/admin/events/registration/{seat.pk}/change/", {"status": "confirmed"}).status_code == 403
    assert staff.get("/admin/payments/order/add/").status_code == 403
    order.refresh_from_db()
    assert order.status == "pending"


def test_the_outbox_names_whom_each_message_is_for_and_the_history_is_linked(staff, seat):
    send_due()
    row = Outbox.objects.filter(topic="events.registration", object_id=seat.pk).first()
    assert row is not None and row.recipient_id is None  # the row names the seat, not the person
    page = staff.get(f"/admin/core/outbox/?topic=events.registration&object_id={seat.pk}").content.decode()
    assert "山里王五" in page
    listing = staff.get("/admin/events/registration/?q=王五").content.decode()
    history = f"/admin/core/statuschange/?subject=events.registration&amp;object_id={seat.pk}"
    assert history in listing
    assert "awaiting_payment" in staff.get(history.replace("&amp;", "&")).content.decode()


def test_withdrawing_from_the_admin_goes_through_the_service(staff, seat):
    response = staff.post("/admin/events/registration/", {"action": "withdraw", "_selected_action": [seat.pk]})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.status == Registration.Status.CANCELLED
    move = StatusChange.objects.filter(subject="events.registration", object_id=seat.pk).order_by("-at", "-pk")[0]
    assert move.to_status == "cancelled" and move.by.username == "support"
    assert Order.objects.get(registration=seat).status != "pending"  # the service closed the unpaid order
