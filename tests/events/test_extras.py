"""Issue 30: what an entry includes. Price tiers, coupons, add-ons with sizes and stock, orders
made of lines, an add-on taken back alone, a withdrawal refunded by the policy with its add-ons."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.errors import ServiceError
from events.models import AddOnVariant, Category, EntryItem, Registration
from events.selectors.extras import coupon_uses, entry_total_fen, fee_in_force, pickup_list, variants_taken
from events.services import (
    addon_create,
    coupon_create,
    entry_codes_create,
    item_change,
    item_refund,
    registration_cancel,
    registration_create,
    tier_add,
    variant_stock_set,
)
from payments.models import EventPayment, Order, OrderLine, Refund
from payments.services import dev_pay, orders_expire
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English words (the pages' tests ask for Chinese)."""
    with translation.override("en"):
        yield


def _lines(order):
    return [(line.kind, line.amount_fen) for line in OrderLine.objects.filter(order=order).order_by("position")]


@pytest.fixture
def race(make_event):
    return make_event(capacity=10, categories=[{"name": "100公里", "name_en": "100 km", "capacity": 10,
                                                "fee_cny": Decimal("150")}])


@pytest.fixture
def jersey(race):
    category = race.categories.get()
    return addon_create(event=race, name="骑行服", name_en="Jersey", price_fen=12000,
                        variants=[("S", 1), ("M", 2), ("L", 5)], categories=[category])


def _size(addon, label):
    return AddOnVariant.objects.get(addon=addon, label=label)


def test_the_fee_in_force_changes_at_its_instants_and_a_held_seat_keeps_its_own(race):
    category = race.categories.get()
    now = timezone.now()
    tier_add(event=race, category=category, name="常规价", name_en="Regular",
             starts_at=now + datetime.timedelta(days=2), fee_fen=20000)
    tier_add(event=race, category=category, name="晚鸟价", name_en="Late", starts_at=now + datetime.timedelta(days=5),
             fee_fen=25000)
    fee = fee_in_force(category)
    assert (fee.fee_fen, fee.name, fee.next_fee_fen, fee.next_name) == (15000, "", 20000, "Regular")
    assert fee_in_force(category, now + datetime.timedelta(days=3)).fee_fen == 20000
    assert fee_in_force(category, now + datetime.timedelta(days=6)).fee_fen == 25000
    assert fee_in_force(category, now + datetime.timedelta(days=6)).next_at is None

    early = registration_create(event=race, category=category, rider=UserFactory())[0]
    assert early.status == "awaiting_payment" and early.price_fen == 15000
    assert _lines(Order.objects.get(registration=early)) == [("entry", 15000)]
    # the regular price starts: a new sign-up pays it, the held seat keeps the early-bird price
    tier_add(event=race, category=category, name="现价", starts_at=now - datetime.timedelta(minutes=1), fee_fen=18000)
    later = registration_create(event=race, category=category, rider=UserFactory())[0]
    assert later.price_fen == 18000 and Order.objects.get(registration=later).amount_fen == 18000
    assert entry_total_fen(Registration.objects.get(pk=early.pk)) == 15000
    assert dev_pay(order=Order.objects.get(registration=early)).status == "paid"


def test_a_tier_must_start_before_registration_closes_and_once_per_instant(race):
    category = race.categories.get()
    with pytest.raises(ServiceError, match="before registration closes"):
        tier_add(event=race, category=category, name="x", starts_at=race.registration_closes_at, fee_fen=1)
    at = timezone.now() + datetime.timedelta(days=1)
    tier_add(event=race, category=category, name="a", starts_at=at, fee_fen=1)
    with pytest.raises(ServiceError, match="already has a price"):
        tier_add(event=race, category=category, name="b", starts_at=at, fee_fen=2)


def test_a_coupon_takes_off_the_fee_is_recorded_on_its_line_and_holds_to_its_limits(race, jersey):
    category = race.categories.get()
    coupon = coupon_create(event=race, code=" early 20 ", kind="percent", value=20, uses_allowed=2)
    assert coupon.code == "EARLY20"
    first = registration_create(event=race, category=category, rider=UserFactory(), coupon="early20",
                                addons={jersey.pk: _size(jersey, "M").pk})[0]
    order = Order.objects.get(registration=first)
    # the discount is on the fee only (20% of 150), never on the jersey
    assert _lines(order) == [("entry", 15000), ("discount", -3000), ("addon", 12000)]
    assert order.amount_fen == 15000 - 3000 + 12000 == sum(a for _k, a in _lines(order))
    assert first.discount_fen == 3000 and first.coupon_id == coupon.pk
    registration_create(event=race, category=category, rider=UserFactory(), coupon="EARLY20")
    assert coupon_uses(coupon) == 2
    nobody = UserFactory()
    with pytest.raises(ServiceError, match="used up") as refused:
        registration_create(event=race, category=category, rider=nobody, coupon="EARLY20")
    assert refused.value.error_code == "coupon"
    assert not Registration.objects.filter(rider=nobody).exists()  # nothing written, no seat taken
    assert Category.objects.get(pk=category.pk).confirmed_count == 2


def test_a_lapsed_unpaid_seat_gives_its_coupon_use_back(race):
    category = race.categories.get()
    coupon = coupon_create(event=race, code="ONE", kind="fixed", value=5000, uses_allowed=1)
    held = registration_create(event=race, category=category, rider=UserFactory(), coupon="ONE")[0]
    Order.objects.filter(registration=held).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert orders_expire() == 1
    assert Registration.objects.get(pk=held.pk).status == "cancelled" and coupon_uses(coupon) == 0
    again = registration_create(event=race, category=category, rider=UserFactory(), coupon="ONE")[0]
    assert again.discount_fen == 5000


@pytest.mark.parametrize(("setup", "message"), [
    ({"valid_from": 1}, "not valid now"),
    ({"valid_until": -1}, "not valid now"),
    ({"other_category": True}, "not valid for this category"),
    ({"code": "NOPE"}, "not valid for this event"),
])
def test_a_coupon_outside_its_dates_or_categories_is_refused(make_event, setup, message):
    event = make_event(categories=[{"name": "A", "capacity": 5, "fee_cny": Decimal("100")},
                                   {"name": "B", "capacity": 5, "fee_cny": Decimal("100")}])
    a, b = event.categories.order_by("pk")
    now = timezone.now()
    coupon_create(event=event, code="C1", kind="fixed", value=1000, uses_allowed=5,
                  valid_from=now + datetime.timedelta(days=setup["valid_from"]) if "valid_from" in setup else None,
                  valid_until=now + datetime.timedelta(days=setup["valid_until"]) if "valid_until" in setup else None,
                  categories=[b] if setup.get("other_category") else [])
    with pytest.raises(ServiceError, match=message):
        registration_create(event=event, category=a, rider=UserFactory(), coupon=setup.get("code", "C1"))


def test_a_fixed_coupon_never_takes_the_fee_below_zero_and_never_goes_with_an_entry_code(race):
    category = race.categories.get()
    coupon_create(event=race, code="FREE", kind="fixed", value=99900, uses_allowed=5, per_rider=1)
    free = registration_create(event=race, category=category, rider=UserFactory(), coupon="FREE")[0]
    assert free.status == "confirmed" and free.discount_fen == 15000 and entry_total_fen(free) == 0
    [code] = entry_codes_create(event=race, category=category, count=1, uses=1)
    with pytest.raises(ServiceError, match="entry code"):
        registration_create(event=race, category=category, rider=UserFactory(), coupon="FREE", code=code.code)
    with pytest.raises(ServiceError, match="percentage"):
        coupon_create(event=race, code="BAD", kind="percent", value=120, uses_allowed=1)


def test_per_rider_limit_counts_a_withdrawn_paid_entry(race):
    category = race.categories.get()
    coupon_create(event=race, code="ONCE", kind="fixed", value=1000, uses_allowed=10, per_rider=1)
    rider = UserFactory()
    first = registration_create(event=race, category=category, rider=rider, coupon="ONCE")[0]
    dev_pay(order=Order.objects.get(registration=first))
    registration_cancel(registration=Registration.objects.get(pk=first.pk))
    with pytest.raises(ServiceError, match="as many times"):
        registration_create(event=race, category=category, rider=rider, coupon="ONCE")


def test_sizes_are_never_sold_past_their_stock_and_a_sold_out_size_takes_no_seat(race, jersey):
    category = race.categories.get()
    small = _size(jersey, "S")
    registration_create(event=race, category=category, rider=UserFactory(), addons={jersey.pk: small.pk})
    late = UserFactory()
    with pytest.raises(ServiceError, match="sold out") as refused:
        registration_create(event=race, category=category, rider=late, addons={jersey.pk: small.pk})
    assert refused.value.error_code == "sold_out"
    assert not Registration.objects.filter(rider=late).exists()
    assert Category.objects.get(pk=category.pk).confirmed_count == 1
    assert variants_taken([small.pk]) == {small.pk: 1}
    with pytest.raises(ServiceError, match="cannot be lower"):
        variant_stock_set(event=race, variant_id=small.pk, stock=0)
    variant_stock_set(event=race, variant_id=small.pk, stock=2)
    registration_create(event=race, category=category, rider=late, addons={jersey.pk: small.pk})
    assert variants_taken([small.pk]) == {small.pk: 2}


def test_a_required_add_on_must_be_chosen_and_only_where_it_is_offered(make_event):
    event = make_event(categories=[{"name": "A", "capacity": 5, "fee_cny": Decimal("100")},
                                   {"name": "B", "capacity": 5, "fee_cny": Decimal("100")}])
    a, b = event.categories.order_by("pk")
    bus = addon_create(event=event, name="接驳车", price_fen=2000, variants=[("早班", 10)], categories=[a],
                       required_in=[a])
    nobody = UserFactory()
    with pytest.raises(ServiceError, match="required in this category"):
        registration_create(event=event, category=a, rider=nobody)
    with pytest.raises(ServiceError, match="not offered in this category"):
        registration_create(event=event, category=b, rider=nobody, addons={bus.pk: bus.variants.get().pk})
    assert not Registration.objects.filter(rider=nobody).exists()
    seat = registration_create(event=event, category=a, rider=nobody, addons={bus.pk: bus.variants.get().pk})[0]
    assert entry_total_fen(seat) == 12000
    with pytest.raises(ServiceError, match="ballot"):
        Category.objects.filter(pk=b.pk).update(mode="ballot")
        addon_create(event=event, name="x", price_fen=0, variants=[("one", 1)], required_in=[Category.objects.get(
            pk=b.pk)])


def test_a_rider_changes_the_size_until_the_deadline_and_only_to_one_in_stock(race, jersey):
    category = race.categories.get()
    seat = registration_create(event=race, category=category, rider=UserFactory(),
                               addons={jersey.pk: _size(jersey, "M").pk})[0]
    registration_create(event=race, category=category, rider=UserFactory(), addons={jersey.pk: _size(jersey, "S").pk})
    with pytest.raises(ServiceError, match="sold out"):
        item_change(registration=seat, addon_id=jersey.pk, variant_id=_size(jersey, "S").pk, by=seat.rider)
    item = item_change(registration=seat, addon_id=jersey.pk, variant_id=_size(jersey, "L").pk, by=seat.rider)
    assert item.variant.label == "L" and variants_taken([_size(jersey, "M").pk]) == {}
    jersey.change_until = timezone.now() - datetime.timedelta(minutes=1)
    jersey.save()
    with pytest.raises(ServiceError, match="no longer"):
        item_change(registration=seat, addon_id=jersey.pk, variant_id=_size(jersey, "M").pk, by=seat.rider)


def test_an_add_on_taken_back_is_refunded_alone_on_its_line(race, jersey, organizer):
    category = race.categories.get()
    seat = registration_create(event=race, category=category, rider=UserFactory(),
                               addons={jersey.pk: _size(jersey, "M").pk})[0]
    order = dev_pay(order=Order.objects.get(registration=seat))
    item = EntryItem.objects.get(registration=seat)
    assert item_refund(registration=seat, item_id=item.pk, by=organizer) == 12000
    refund = Refund.objects.get(order=order)
    assert refund.amount_fen == 12000 and refund.line.kind == "addon" and refund.line.subject_id == item.pk
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    assert Registration.objects.get(pk=seat.pk).status == "confirmed"  # the seat stays
    assert variants_taken([item.variant_id]) == {}  # the size is back in stock
    with pytest.raises(ServiceError, match="no such add-on"):
        item_refund(registration=seat, item_id=item.pk, by=organizer)


def test_an_unpaid_add_on_taken_back_makes_the_order_again_without_it(race, jersey, organizer):
    seat = registration_create(event=race, category=race.categories.get(), rider=UserFactory(),
                               addons={jersey.pk: _size(jersey, "M").pk})[0]
    item = EntryItem.objects.get(registration=seat)
    assert item_refund(registration=seat, item_id=item.pk, by=organizer) == 0
    pending = Order.objects.get(registration=seat, status="pending")
    assert pending.amount_fen == 15000 and _lines(pending) == [("entry", 15000)]


def test_a_withdrawal_refunds_the_entry_and_its_add_ons_by_the_policy(race, jersey):
    EventPayment.objects.create(event=race, refund_full_until=timezone.now() - datetime.timedelta(days=1),
                                refund_part_until=timezone.now() + datetime.timedelta(days=1), refund_part_percent=50)
    seat = registration_create(event=race, category=race.categories.get(), rider=UserFactory(), coupon="",
                               addons={jersey.pk: _size(jersey, "S").pk})[0]
    order = dev_pay(order=Order.objects.get(registration=seat))
    registration_cancel(registration=Registration.objects.get(pk=seat.pk))
    assert Refund.objects.get(order=order).amount_fen == (15000 + 12000) // 2
    assert variants_taken([_size(jersey, "S").pk]) == {}  # the jersey is back for someone else
    assert list(pickup_list(race)) == []


def test_money_paid_after_a_lapse_does_not_take_a_size_sold_meanwhile(race, jersey):
    category = race.categories.get()
    small = _size(jersey, "S")
    lapsed = registration_create(event=race, category=category, rider=UserFactory(), addons={jersey.pk: small.pk})[0]
    order = Order.objects.get(registration=lapsed)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    orders_expire()
    registration_create(event=race, category=category, rider=UserFactory(), addons={jersey.pk: small.pk})
    dev_pay(order=Order.objects.get(pk=order.pk))  # late money: the seat is free, the size is not
    assert Registration.objects.get(pk=lapsed.pk).status == "cancelled"
    assert Refund.objects.filter(order=order).exists()
    assert variants_taken([small.pk]) == {small.pk: 1}


def test_the_pick_up_list_counts_each_size_of_seated_entries(race, jersey, organizer, client):
    category = race.categories.get()
    for label in ("M", "L", "L"):
        seat = registration_create(event=race, category=category, rider=UserFactory(),
                                   addons={jersey.pk: _size(jersey, label).pk})[0]
        dev_pay(order=Order.objects.get(registration=seat))
    registration_create(event=race, category=category, rider=UserFactory(), addons={jersey.pk: _size(jersey, "M").pk})
    assert [i.variant.label for i in pickup_list(race)] == ["M", "M", "L", "L"]  # by size; awaiting payment too
    client.force_login(organizer)
    body = b"".join(client.get(f"/events/{race.slug}/extras/pickup.csv").streaming_content).decode("utf-8-sig")
    assert body.count("骑行服,L,") == 2 and body.count("骑行服,M,") == 2
    page = client.get(f"/events/{race.slug}/extras/").content.decode()
    assert f'data-variant="{_size(jersey, "L").pk}"' in page


def test_every_order_sums_its_lines(race, jersey):
    category = race.categories.get()
    coupon_create(event=race, code="TEN", kind="fixed", value=1000, uses_allowed=10)
    for i, label in enumerate(("S", "M", "L", "")):
        registration_create(event=race, category=category, rider=UserFactory(), coupon="TEN" if i % 2 else "",
                            addons={jersey.pk: _size(jersey, label).pk} if label else {})
    for order in Order.objects.all():
        assert sum(OrderLine.objects.filter(order=order).values_list("amount_fen", flat=True)) == order.amount_fen


def test_the_sign_up_page_sells_the_add_ons_and_the_coupon(race, jersey, client):
    coupon_create(event=race, code="WEB", kind="fixed", value=2000, uses_allowed=3)
    rider = UserFactory()
    client.force_login(rider)
    page = client.get(f"/events/{race.slug}/", headers={"accept-language": "en"}).content.decode()
    assert f'name="addon_{jersey.pk}"' in page and 'name="coupon"' in page and "S (1 left)" in page
    response = client.post(f"/events/{race.slug}/", {"category": race.categories.get().pk, "coupon": "web",
                                                     f"addon_{jersey.pk}": _size(jersey, "L").pk})
    seat = Registration.objects.get(rider=rider)
    assert response.status_code == 302 and seat.discount_fen == 2000
    assert Order.objects.get(registration=seat).amount_fen == 15000 - 2000 + 12000
    page = client.get(f"/events/registrations/{seat.pk}/").content.decode()
    assert 'id="entry-lines"' in page and "¥250" in page and "L</option>" in page


def test_a_bad_coupon_on_the_page_is_a_clear_error_and_changes_nothing(race, jersey, client):
    coupon_create(event=race, code="WEB", kind="fixed", value=2000, uses_allowed=3)
    rider = UserFactory(language="zh-hans")
    client.force_login(rider)
    response = client.post(f"/events/{race.slug}/", {"category": race.categories.get().pk, "coupon": "ZZZ"},
                           headers={"accept-language": "zh-hans"})
    assert response.status_code == 200 and "优惠" in response.content.decode()
    assert not Registration.objects.filter(rider=rider).exists()


def test_the_api_signs_up_with_a_coupon_and_sizes(race, jersey, client):
    coupon_create(event=race, code="API", kind="percent", value=10, uses_allowed=3)
    rider = UserFactory()
    client.force_login(rider)
    response = client.post(f"/api/v1/events/{race.slug}/registrations/", {
        "category": race.categories.get().pk, "coupon": "api", "addons": {str(jersey.pk): _size(jersey, "M").pk}},
        content_type="application/json")
    assert response.status_code == 201, response.content
    order = Order.objects.get(registration__rider=rider)
    assert _lines(order) == [("entry", 15000), ("discount", -1500), ("addon", 12000)]
    sold_out = client.post(f"/api/v1/events/{race.slug}/registrations/", {
        "category": race.categories.get().pk, "addons": {"abc": 1}}, content_type="application/json")
    assert sold_out.status_code == 400


def test_extras_cost_the_sign_up_no_query_when_a_rider_takes_none(make_event):
    """The rush's hot path: an event selling a jersey, a coupon and dated prices (in another category)
    signs up a rider who takes none of them in as many queries as a plain event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(event, category):
        rider = UserFactory()
        with CaptureQueriesContext(connection) as captured:
            registration_create(event=event, category=category, rider=rider)
        return len(captured.captured_queries)

    plain = make_event(categories=[{"name": "A", "capacity": 10, "fee_cny": Decimal("100")}])
    selling = make_event(categories=[{"name": "A", "capacity": 10, "fee_cny": Decimal("100")},
                                     {"name": "B", "capacity": 10, "fee_cny": Decimal("100")}])
    a, b = selling.categories.order_by("pk")
    addon_create(event=selling, name="骑行服", price_fen=100, variants=[("M", 5)])
    coupon_create(event=selling, code="X", kind="fixed", value=100, uses_allowed=5)
    tier_add(event=selling, category=b, name="常规价", starts_at=timezone.now() - datetime.timedelta(hours=1),
             fee_fen=20000)
    assert queries(selling, selling.categories.get(pk=a.pk)) == queries(plain, plain.categories.get())
    # a category with dated prices reads them once
    assert queries(selling, selling.categories.get(pk=b.pk)) == queries(plain, plain.categories.get()) + 1


def test_a_switch_into_a_category_that_requires_an_add_on_the_seat_lacks_is_refused(make_event):
    event = make_event(categories=[{"name": "A", "capacity": 5}, {"name": "B", "capacity": 5}])
    a, b = event.categories.order_by("pk")
    bus = addon_create(event=event, name="接驳车", price_fen=0, variants=[("早班", 10)], required_in=[b])
    seat = registration_create(event=event, category=a, rider=UserFactory())[0]
    from events.services import registration_change_category

    with pytest.raises(ServiceError, match="required in this category"):
        registration_change_category(registration=seat, category=Category.objects.get(pk=b.pk), by=seat.rider)
    assert Registration.objects.get(pk=seat.pk).category_id == a.pk
    with_bus = registration_create(event=event, category=a, rider=UserFactory(),
                                   addons={bus.pk: bus.variants.get().pk})[0]
    moved = registration_change_category(registration=with_bus, category=Category.objects.get(pk=b.pk),
                                         by=with_bus.rider)
    assert moved.category_id == b.pk


def test_money_paid_after_a_lapse_does_not_take_a_coupon_used_up_meanwhile(race):
    category = race.categories.get()
    coupon = coupon_create(event=race, code="ONE", kind="fixed", value=5000, uses_allowed=1)
    lapsed = registration_create(event=race, category=category, rider=UserFactory(), coupon="ONE")[0]
    order = Order.objects.get(registration=lapsed)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    orders_expire()
    registration_create(event=race, category=category, rider=UserFactory(), coupon="ONE")
    dev_pay(order=Order.objects.get(pk=order.pk))  # late money: a seat is free, the coupon's one use is not
    assert Registration.objects.get(pk=lapsed.pk).status == "cancelled"
    assert Refund.objects.get(order=order).amount_fen == order.amount_fen
    assert coupon_uses(coupon) == 1


def test_a_rider_adds_and_removes_add_ons_before_paying_and_the_order_follows(race, jersey, client):
    from events.services import item_add, item_remove

    bus = addon_create(event=race, name="接驳车", name_en="Shuttle", price_fen=3000, variants=[("早班", 1)])
    seat = registration_create(event=race, category=race.categories.get(), rider=UserFactory())[0]
    item_add(registration=seat, addon_id=bus.pk, variant_id=bus.variants.get().pk, by=seat.rider)
    pending = Order.objects.get(registration=seat, status="pending")
    assert _lines(pending) == [("entry", 15000), ("addon", 3000)] and pending.amount_fen == 18000
    with pytest.raises(ServiceError, match="already"):
        item_add(registration=seat, addon_id=bus.pk, variant_id=bus.variants.get().pk, by=seat.rider)
    other = registration_create(event=race, category=race.categories.get(), rider=UserFactory())[0]
    with pytest.raises(ServiceError, match="sold out"):  # the one seat on the early bus is taken
        item_add(registration=other, addon_id=bus.pk, variant_id=bus.variants.get().pk, by=other.rider)
    client.force_login(seat.rider)
    response = client.post(f"/events/registrations/{seat.pk}/", {"action": "addon_remove", "addon": bus.pk})
    assert response.status_code == 302
    assert Order.objects.get(registration=seat, status="pending").amount_fen == 15000
    translation.activate("en")  # (the page's request left its own language active)
    item_add(registration=other, addon_id=bus.pk, variant_id=bus.variants.get().pk, by=other.rider)  # free again
    dev_pay(order=Order.objects.get(registration=other, status="pending"))
    with pytest.raises(ServiceError, match="paid"):
        item_remove(registration=Registration.objects.get(pk=other.pk), addon_id=bus.pk, by=other.rider)
    with pytest.raises(ServiceError, match="before paying"):
        item_add(registration=Registration.objects.get(pk=other.pk), addon_id=jersey.pk,
                 variant_id=_size(jersey, "L").pk, by=other.rider)
    page = client.get(f"/events/registrations/{seat.pk}/", headers={"accept-language": "en"}).content.decode()
    assert 'class="inline addon-add"' in page and "Shuttle · ¥30" in page


def test_the_organizer_takes_an_add_on_back_from_the_seats_history_page(race, jersey, organizer, client):
    seat = registration_create(event=race, category=race.categories.get(), rider=UserFactory(),
                               addons={jersey.pk: _size(jersey, "M").pk})[0]
    order = dev_pay(order=Order.objects.get(registration=seat))
    item = EntryItem.objects.get(registration=seat)
    client.force_login(organizer)
    history = client.get(f"/events/{race.slug}/registrations/{seat.pk}/history/").content.decode()
    assert 'id="seat-add-ons"' in history and f'name="item" value="{item.pk}"' in history
    response = client.post(f"/events/{race.slug}/extras/", {"action": "item_refund", "registration": seat.pk,
                                                            "item": item.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"/registrations/{seat.pk}/history/")
    assert Refund.objects.get(order=order).amount_fen == 12000
    stranger = UserFactory()
    client.force_login(stranger)  # nobody else may
    assert client.post(f"/events/{race.slug}/extras/", {"action": "item_refund", "registration": seat.pk,
                                                        "item": item.pk}).status_code == 404


def test_the_order_lines_csv_lists_each_line_and_what_went_back_for_it(race, jersey, organizer, client):
    coupon_create(event=race, code="TEN", kind="fixed", value=1000, uses_allowed=5)
    seat = registration_create(event=race, category=race.categories.get(), rider=UserFactory(), coupon="TEN",
                               addons={jersey.pk: _size(jersey, "L").pk})[0]
    order = dev_pay(order=Order.objects.get(registration=seat))
    item_refund(registration=seat, item_id=EntryItem.objects.get(registration=seat).pk, by=organizer)
    client.force_login(organizer)
    lines = b"".join(client.get(f"/payments/events/{race.slug}/order-lines.csv").streaming_content).decode("utf-8-sig")
    rows = [row.split(",") for row in lines.strip().splitlines()[1:]]
    assert [(r[5], int(r[7]), int(r[9])) for r in rows] == [("entry", 15000, 0), ("discount", -1000, 0),
                                                            ("addon", 12000, 12000)]
    assert sum(int(r[7]) for r in rows) == order.amount_fen
    finance = b"".join(client.get(f"/payments/events/{race.slug}/finance.csv").streaming_content).decode("utf-8-sig")
    assert "[line " in finance and "-120.00" in finance


def test_a_size_changed_after_paying_is_the_size_on_the_receipt(race, jersey, client):
    seat = registration_create(event=race, category=race.categories.get(), rider=UserFactory(),
                               addons={jersey.pk: _size(jersey, "M").pk})[0]
    order = dev_pay(order=Order.objects.get(registration=seat))
    item_change(registration=seat, addon_id=jersey.pk, variant_id=_size(jersey, "L").pk, by=seat.rider)
    line = OrderLine.objects.get(order=order, kind="addon")
    assert (line.description, line.description_en, line.amount_fen) == ("骑行服 · L", "Jersey · L", 12000)
    client.force_login(seat.rider)
    page = client.get(f"/payments/orders/{order.pk}/receipt/", headers={"accept-language": "en"}).content.decode()
    assert "Jersey · L" in page and "Jersey · M" not in page


@pytest.mark.parametrize("who", ["organizer", "rider"])
def test_an_add_on_taken_off_an_entry_switched_to_a_free_category_confirms_the_seat(make_event, organizer, who):
    """Found by the lifecycle machine: an unpaid seat with a jersey, switched to a free category, then
    the jersey taken back (by the organizer) or removed (by the rider) stayed held for a payment of
    nothing, without an order, to lapse at its deadline. It is confirmed, as a switch confirms one."""
    from core.models import Outbox, StatusChange
    from events.services import item_remove, registration_change_category

    event = make_event(categories=[{"name": "A", "capacity": 5, "fee_cny": Decimal("100")},
                                   {"name": "F", "capacity": 5, "fee_cny": Decimal("0")}])
    paid, free = event.categories.order_by("pk")
    jersey = addon_create(event=event, name="骑行服", price_fen=5000, variants=[("M", 5)], categories=[paid])
    seat = registration_create(event=event, category=paid, rider=UserFactory(),
                               addons={jersey.pk: jersey.variants.get().pk})[0]
    moved = registration_change_category(registration=seat, category=Category.objects.get(pk=free.pk), by=seat.rider)
    assert moved.status == "awaiting_payment"  # the jersey is still to pay
    assert Order.objects.get(registration=seat, status="pending").amount_fen == 5000
    if who == "organizer":
        item_refund(registration=moved, item_id=EntryItem.objects.get(registration=seat).pk, by=organizer)
    else:
        item_remove(registration=moved, addon_id=jersey.pk, by=seat.rider)
    seat.refresh_from_db()
    assert (seat.status, seat.hold_expires_at is None, seat.confirmed_at is not None, seat.bib is not None) == (
        "confirmed", True, True, True)
    assert not Order.objects.filter(registration=seat, status="pending").exists()
    assert StatusChange.objects.filter(subject="events.registration", object_id=seat.pk, to_status="confirmed",
                                       why="nothing left to pay").exists()
    assert Outbox.objects.filter(object_id=seat.pk, kind="confirmed").exists()
    orders_expire()  # the deadline passing changes nothing now
    seat.refresh_from_db()
    assert seat.status == "confirmed"
