"""Issue 12: refund policies, the organizer cancelling an event, category switches that cost more
or less, receipts and fapiao requests, the finance CSV reconciling with the payments page, club
dues paid online. Paid through the development gateway (same recording code as the providers)."""

import csv
import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clubs.models import Membership
from clubs.services import club_create
from core.outbox import send_due
from events.models import Registration
from events.services import event_cancel, registration_cancel, registration_create
from payments.models import EventPayment, FapiaoRequest, Order, Refund
from payments.services import dev_pay, orders_expire, refund_by_policy
from tests.factories import UserFactory

NOW = timezone.now()


@pytest.fixture
def race(make_event):
    return make_event(title="太行山挑战赛", categories=[
        {"name": "50公里", "name_en": "50 km", "capacity": 5, "fee_cny": Decimal("80")},
        {"name": "100公里", "name_en": "100 km", "capacity": 1, "fee_cny": Decimal("120"), "waitlist_enabled": True}])


def _paid_rider(event, category):
    registration = registration_create(event=event, category=category, rider=UserFactory())[0]
    order = dev_pay(order=Order.objects.get(registration=registration))
    assert order.status == "paid"
    return Registration.objects.get(pk=registration.pk), order


@pytest.mark.parametrize(("days_before_full", "days_before_part", "expected"), [
    (1, 5, 12000), (-1, 5, 6000), (-5, -1, 0), (None, None, 0)])
def test_the_refund_policy_by_date(race, days_before_full, days_before_part, expected):
    EventPayment.objects.create(
        event=race, refund_part_percent=50,
        refund_full_until=NOW + datetime.timedelta(days=days_before_full) if days_before_full is not None else None,
        refund_part_until=NOW + datetime.timedelta(days=days_before_part) if days_before_part is not None else None)
    assert refund_by_policy(race, 12000) == expected
    registration, order = _paid_rider(race, race.categories.get(name="100公里"))
    registration_cancel(registration=registration)
    refunded = sum(r.amount_fen for r in Refund.objects.filter(order=order, status="succeeded"))
    assert refunded == expected
    order.refresh_from_db()
    assert order.status == {12000: "refunded", 6000: "partially_refunded", 0: "paid"}[expected]


def test_the_policy_is_shown_before_anyone_withdraws(client, race):
    EventPayment.objects.create(event=race, refund_full_until=NOW + datetime.timedelta(days=3),
                                refund_part_until=NOW + datetime.timedelta(days=9), refund_part_percent=40)
    page = client.get(f"/events/{race.slug}/").getvalue().decode()
    assert 'id="refund-policy"' in page and "40%" in page
    registration, _order = _paid_rider(race, race.categories.get(name="100公里"))
    client.force_login(registration.rider)
    page = client.get(f"/events/registrations/{registration.pk}/").getvalue().decode()
    assert "¥120" in page and 'class="muted refund-note"' in page and "/receipt/" in page


def test_cancelling_the_event_refunds_everyone_in_full_and_withdraws_unpaid_orders(race):
    paid = [_paid_rider(race, race.categories.get(name="50公里"))[1] for _ in range(3)]
    waiting = registration_create(event=race, category=race.categories.get(name="100公里"), rider=UserFactory())[0]
    event_cancel(event=race, reason="大风")
    for order in paid:
        order.refresh_from_db()
        assert order.status == "refunded" and order.refunds.get().amount_fen == 8000
    assert Order.objects.get(registration=waiting).status == "cancelled"
    assert Refund.objects.filter(order__registration__event=race).count() == 3


def test_a_switch_to_a_dearer_category_is_paid_first_then_made(client, race):
    registration, _order = _paid_rider(race, race.categories.get(name="50公里"))
    client.force_login(registration.rider)
    dearer = race.categories.get(name="100公里")
    answer = client.post(f"/events/registrations/{registration.pk}/", {"action": "switch", "category": dearer.pk})
    switch = Order.objects.get(kind="switch")
    assert answer["Location"] == f"/payments/orders/{switch.pk}/" and switch.amount_fen == 4000
    assert Registration.objects.get(pk=registration.pk).category.name == "50公里"  # not before paying
    api = client.post(f"/api/v1/registrations/{registration.pk}/switch/", {"category": dearer.pk},
                      content_type="application/json")
    assert api.status_code == 402 and api.json()["code"] == "payment_required"
    assert Order.objects.filter(kind="switch", status="pending").count() == 1  # the same order, not a second
    dev_pay(order=switch)
    registration.refresh_from_db()
    assert registration.category == dearer and registration.status == "confirmed"
    assert Order.objects.get(pk=switch.pk).status == "paid"


def test_a_paid_switch_to_a_category_that_filled_meanwhile_is_refunded(client, race):
    registration, _order = _paid_rider(race, race.categories.get(name="50公里"))
    client.force_login(registration.rider)
    dearer = race.categories.get(name="100公里")
    client.post(f"/events/registrations/{registration.pk}/", {"action": "switch", "category": dearer.pk})
    _paid_rider(race, dearer)  # the last seat goes to someone else
    switch = dev_pay(order=Order.objects.get(kind="switch"))
    registration.refresh_from_db()
    assert registration.category.name == "50公里" and registration.status == "confirmed"  # kept their seat
    assert switch.status == "refunded" and switch.refunds.get().amount_fen == 4000


def test_a_switch_to_a_cheaper_category_gives_the_difference_back(race):
    from events.services import registration_change_category
    registration, order = _paid_rider(race, race.categories.get(name="100公里"))
    registration_change_category(registration=registration, category=race.categories.get(name="50公里"))
    order.refresh_from_db()
    assert order.status == "partially_refunded" and order.refunds.get().amount_fen == 4000


def test_receipt_and_fapiao_request(client, race, organizer):
    registration, order = _paid_rider(race, race.categories.get(name="100公里"))
    client.force_login(registration.rider)
    assert f"/payments/orders/{order.pk}/receipt/" in client.get("/payments/orders/").getvalue().decode()
    me = client.get("/me/").getvalue().decode()
    assert 'id="me-orders"' in me and f"/payments/orders/{order.pk}/receipt/" in me  # on /me/ itself
    bad = client.post(f"/payments/orders/{order.pk}/receipt/", {"title": "邢台市某某自行车有限公司",
                                                                 "taxpayer_id": "123", "email": "cw@example.cn"})
    assert bad.status_code == 200 and "18" in bad.getvalue().decode() and not FapiaoRequest.objects.exists()
    client.post(f"/payments/orders/{order.pk}/receipt/", {"title": "邢台市某某自行车有限公司",
                                                           "taxpayer_id": "91130500MA0ABCDE1X",
                                                           "email": "cw@example.cn"})
    assert FapiaoRequest.objects.get(order=order).taxpayer_id == "91130500MA0ABCDE1X"
    client.force_login(UserFactory())
    assert client.get(f"/payments/orders/{order.pk}/receipt/").status_code == 404
    client.force_login(organizer)
    fapiao = client.get(f"/payments/events/{race.slug}/fapiao.csv").getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(fapiao)))
    assert rows[1][3] == "邢台市某某自行车有限公司" and rows[1][6] == "120.00"


def _fen(text):
    return int(Decimal(text.replace("¥", "").replace(",", "")) * 100)


def test_the_finance_csv_reconciles_with_the_payments_page(client, race, organizer):
    EventPayment.objects.create(event=race, refund_full_until=NOW + datetime.timedelta(days=3))
    orders = [_paid_rider(race, race.categories.get(name="50公里")) for _ in range(3)]
    registration_cancel(registration=orders[0][0])  # a full refund by the policy
    client.force_login(organizer)
    client.post(f"/payments/events/{race.slug}/", {"action": "refund", "order": orders[1][1].pk, "amount": "12.50"})
    rows = list(csv.DictReader(io.StringIO(client.get(f"/payments/events/{race.slug}/finance.csv")
                                           .getvalue().decode("utf-8-sig"))))
    received = sum(int(r["amount_fen"]) for r in rows if r["type"] == "payment")
    refunded = -sum(int(r["amount_fen"]) for r in rows if r["type"] == "refund" and r["status"] == "succeeded")
    assert (received, refunded) == (24000, 9250)
    page = client.get(f"/payments/events/{race.slug}/").getvalue().decode()
    import re
    figures = {name: _fen(re.search(rf'id="{name}">([^<]+)<', page).group(1))
               for name in ("total-received", "total-refunded", "total-net")}
    assert figures == {"total-received": received, "total-refunded": refunded, "total-net": received - refunded}
    manage = client.get(f"/events/{race.slug}/manage/").getvalue().decode()
    assert reverse("payments:event", args=[race.slug]) in manage
    on_manage = {name: _fen(re.search(rf'id="money-{name}">([^<]+)<', manage).group(1))
                 for name in ("received", "refunded", "net")}
    assert on_manage == {"received": received, "refunded": refunded, "net": received - refunded}
    client.force_login(UserFactory())
    assert client.get(f"/payments/events/{race.slug}/finance.csv").status_code == 404


def test_an_organizer_refund_is_never_more_than_was_paid(client, race, organizer):
    _registration, order = _paid_rider(race, race.categories.get(name="50公里"))
    client.force_login(organizer)
    answer = client.post(f"/payments/events/{race.slug}/", {"action": "refund", "order": order.pk, "amount": "80.01"},
                         follow=True)
    assert not Refund.objects.exists() and "80.00" in answer.getvalue().decode()
    answer = client.post(f"/payments/events/{race.slug}/", {"action": "refund", "order": order.pk, "amount": "abc"},
                         follow=True)
    assert answer.status_code == 200 and not Refund.objects.exists()


def test_club_dues_paid_online_extend_paid_until(client, db):
    owner, member = UserFactory(), UserFactory()
    club = club_create(name="邢台骑行会", founder=owner, dues_cny=Decimal("200"), dues_months=12)
    membership = Membership.objects.create(club=club, user=member, state="active",
                                           paid_until=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(member)
    page = client.get(f"/clubs/{club.slug}/").getvalue().decode()
    assert 'id="pay-dues"' in page and 'class="warn"' in page  # lapsed, and a way to pay
    answer = client.post(f"/clubs/{club.slug}/dues/")
    order = Order.objects.get(kind="dues")
    assert answer["Location"] == f"/payments/orders/{order.pk}/" and order.amount_fen == 20000
    dev_pay(order=order)
    membership.refresh_from_db()
    assert membership.paid_until == timezone.localdate().replace(year=timezone.localdate().year + 1) or \
        (membership.paid_until - timezone.localdate()).days in (365, 366)
    client.post(f"/clubs/{club.slug}/dues/")
    dev_pay(order=Order.objects.get(kind="dues", status="pending"))
    membership.refresh_from_db()
    assert (membership.paid_until - timezone.localdate()).days in (730, 731)  # from the old date, not today
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.post(f"/clubs/{club.slug}/dues/").status_code == 404
    orders_expire(now=timezone.now() + datetime.timedelta(hours=1))  # an unpaid dues order just lapses
    assert Order.objects.filter(kind="dues", status="paid").count() == 2


def test_the_pay_reminder_and_seats_left_count_held_seats(client, race):
    registration = registration_create(event=race, category=race.categories.get(name="100公里"), rider=UserFactory())[0]
    send_due()
    assert any("付款" in m.subject or "Pay" in m.subject for m in mail.outbox)
    page = client.get(f"/events/{race.slug}/").getvalue().decode()
    assert 'data-seats="0"' in page  # the one seat is held while its rider pays
    assert registration.status == "awaiting_payment"


def test_a_team_member_confirming_a_paid_seat_pays_for_it(make_event):
    from events.services import registration_hold_confirm, registrations_create_group
    event = make_event(title="团体赛", categories=[{"name": "团体", "capacity": 4, "fee_cny": Decimal("60")}])
    members = [UserFactory(), UserFactory()]
    held = registrations_create_group(category=event.categories.get(), riders=members)
    confirmed = registration_hold_confirm(registration=held[0])
    assert confirmed.status == "awaiting_payment" and confirmed.bib is not None
    order = Order.objects.get(registration=confirmed)
    assert order.amount_fen == 6000 and order.rider == members[0]
    assert dev_pay(order=order).status == "paid"
    assert Registration.objects.get(pk=confirmed.pk).status == "confirmed"


def test_finance_csv_amounts_are_numbers_and_the_name_has_one_extension(client, race, organizer):
    """Issue 25: refunds came out as text ('-30.00) so Excel's sums were wrong, and the file was
    called …-finance.csv.csv; a fully refunded order still offered a fapiao."""
    EventPayment.objects.create(event=race, refund_full_until=NOW + datetime.timedelta(days=3))
    registration, order = _paid_rider(race, race.categories.get(name="50公里"))
    registration_cancel(registration=registration)  # refunded in full by the policy
    client.force_login(organizer)
    response = client.get(f"/payments/events/{race.slug}/finance.csv")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(f"{race.slug}-finance.csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    negative = [cell for row in rows[1:] for cell in row if cell.lstrip("'").startswith("-")]
    assert negative and all(not cell.startswith("'") for cell in negative), negative
    client.force_login(registration.rider)
    page = client.get(f"/payments/orders/{order.pk}/receipt/").getvalue().decode()
    assert 'id="no-fapiao"' in page and 'id="fapiao-form"' not in page


def test_cue_sheet_csv_keeps_negative_longitudes_as_numbers(client, organizer):
    from routes.services import route_import
    from tests.helpers import make_gpx

    version = route_import(owner=organizer, data=make_gpx(lat0=-33.9, lon0=-70.6), filename="andes.gpx", publish=True)
    body = client.get(f"/routes/{version.route.slug}/cues.csv").getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][-1].startswith("-70.") and rows[1][-2].startswith("-33.")


def test_english_pages_name_the_event_in_english(client, race):
    """Issue 25: the English interface showed the Chinese names of events where an English one exists."""
    from events.models import Category, Event

    Event.objects.filter(pk=race.pk).update(title_en="Taihang Challenge")
    Category.objects.filter(event=race, name="50公里").update(name_en="50 km")
    registration, order = _paid_rider(race, race.categories.get(name="50公里"))
    client.force_login(registration.rider)
    page = client.get(f"/payments/orders/{order.pk}/receipt/", headers={"accept-language": "en"}).getvalue().decode()
    assert "Taihang Challenge · 50 km" in page and "太行" not in page.split("<main")[1]
    zh = client.get(f"/payments/orders/{order.pk}/receipt/", headers={"accept-language": "zh-hans"}).getvalue().decode()
    assert f"{race.title} · 50公里" in zh
