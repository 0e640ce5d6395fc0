"""Issue 12 on PostgreSQL: notifications and the expiry job racing on the same orders have exactly
one outcome per order; confirmed riders never exceed capacity; every payer is confirmed or
refunded; no seat is lost."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from events.models import Registration
from events.services import registration_create
from payments import providers
from payments.models import Order, Refund
from payments.services import dev_notification, orders_expire
from tests.events.test_race import _in_threads
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pay(order):
    body, signature = providers.dev_sign({"order": order.pk, "txn": f"T{order.pk}", "amount_fen": order.amount_fen,
                                          "currency": "CNY"})
    return dev_notification(body=body, signature=signature)


@pytest.mark.parametrize("rounds", range(3))
def test_a_payment_and_the_expiry_job_on_the_same_order_have_one_outcome(make_event, rounds):
    event = make_event(categories=[{"name": "100公里", "capacity": 1, "fee_cny": Decimal("120")}])
    registration = registration_create(event=event, category=event.categories.get(), rider=UserFactory())[0]
    order = Order.objects.get(registration=registration)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    _results, errors = _in_threads(lambda job: _pay(order) if job == "pay" else orders_expire(), ["pay", "expire"])
    assert errors == []
    order.refresh_from_db()
    registration.refresh_from_db()
    category = event.categories.get()
    # either paid before the job (confirmed) or expired first and then paid into the free seat (confirmed)
    assert (order.status, registration.status) == ("paid", "confirmed")
    assert category.confirmed_count == 1 == Registration.objects.filter(event=event, status="confirmed").count()
    assert not Refund.objects.exists()


def test_fifty_payments_for_ten_held_seats_while_the_job_runs(make_event):
    event = make_event(categories=[{"name": "100公里", "capacity": 10, "fee_cny": Decimal("88"),
                                    "waitlist_enabled": True}])
    category = event.categories.get()
    riders = [UserFactory() for _ in range(50)]
    registrations = [registration_create(event=event, category=category, rider=r)[0] for r in riders]
    assert sum(r.status == "awaiting_payment" for r in registrations) == 10
    held = list(Order.objects.filter(status="pending"))
    # half the holds lapse just as their riders pay
    lapsing = [o.pk for o in held[:5]]
    Order.objects.filter(pk__in=lapsing).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    jobs = [("pay", o) for o in held] + [("expire", None)] * 3
    _results, errors = _in_threads(lambda job: _pay(job[1]) if job[0] == "pay" else orders_expire(), jobs, workers=13)
    assert errors == []
    # the offers made to the waitlist when holds lapsed are paid too
    for order in Order.objects.filter(status="pending"):
        _pay(order)
    category.refresh_from_db()
    confirmed = Registration.objects.filter(event=event, status="confirmed").count()
    assert confirmed <= category.capacity and category.confirmed_count == category.capacity
    for order in Order.objects.filter(pk__in=[o.pk for o in held]):
        assert order.status in ("paid", "refunded")
        assert (order.status == "refunded") == Refund.objects.filter(order=order).exists()
    bibs = list(Registration.objects.filter(event=event, bib__isnull=False).values_list("bib", flat=True))
    assert len(bibs) == len(set(bibs))


def test_a_rush_on_a_paid_category_holds_exactly_its_seats_each_with_one_order(make_event):
    event = make_event(categories=[{"name": "100公里", "capacity": 10, "fee_cny": Decimal("120"),
                                    "waitlist_enabled": True}])
    category = event.categories.get()
    riders = [UserFactory() for _ in range(60)]
    results, errors = _in_threads(lambda rider: registration_create(event=event, category=category, rider=rider)[0],
                                  riders, workers=20)
    assert errors == []
    held = Registration.objects.filter(event=event, status="awaiting_payment")
    assert held.count() == 10 == Order.objects.filter(status="pending").count()
    assert set(Order.objects.values_list("registration_id", flat=True)) == set(held.values_list("pk", flat=True))
    assert Registration.objects.filter(event=event, status="waitlisted").count() == 50
    category.refresh_from_db()
    assert category.confirmed_count == 10
    assert {r.status for r in results} == {"awaiting_payment", "waitlisted"}
