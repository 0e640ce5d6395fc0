"""Issue 30 on PostgreSQL: riders rushing for seats in four categories that share one jersey's stock
(required in each) and one coupon. No size is sold past its stock, no seat is taken without its
jersey, no coupon is used past its limit, and the counts are exact. The negative control: everyone
wants the same size; with the variants' lock exactly its stock is sold, without it (the first four
to count wait for each other before writing) more."""

import contextlib
import threading
from decimal import Decimal

import pytest

from core.errors import ServiceError
from events.models import AddOnVariant, Category, EntryItem, Registration
from events.selectors.extras import coupon_uses, variants_taken
from events.services import addon_create, coupon_create, registration_create
from events.services import extras as extras_services
from tests.events.test_race import _in_threads
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STOCK = {"S": 3, "M": 4, "L": 5}


def _rush(make_event, riders=36, *, one_size=False, coupons=True):
    # four categories: each one's sign-ups take turns on its own lock, so up to four run at once and
    # only the variants' lock keeps them from selling the same last jersey
    event = make_event(categories=[{"name": f"{km}公里", "capacity": 30, "fee_cny": Decimal("100")}
                                   for km in (100, 80, 50, 30)])
    categories = list(event.categories.order_by("pk"))
    jersey = addon_create(event=event, name="骑行服", price_fen=12000, variants=list(STOCK.items()),
                          required_in=categories)
    coupon = coupon_create(event=event, code="RUSH", kind="fixed", value=2000, uses_allowed=5)
    sizes = list(jersey.variants.order_by("pk"))
    people = [UserFactory() for _ in range(riders)]

    def size_of(index):  # each category's riders in turn: S, M, L, S ... (or all S)
        return 0 if one_size else (index // len(categories)) % len(sizes)

    def sign_up(index_rider):
        index, rider = index_rider
        try:
            registration_create(event=event, category=categories[index % len(categories)], rider=rider,
                                coupon="RUSH" if coupons and index % 3 == 0 else "",
                                addons={jersey.pk: sizes[size_of(index)].pk})
            return "ok"
        except ServiceError as error:
            return error.error_code

    results, errors = _in_threads(sign_up, list(enumerate(people)))
    return event, jersey, coupon, sizes, results, errors


def test_no_size_oversold_no_seat_without_its_jersey_exact_counts(make_event):
    event, _jersey, coupon, sizes, results, errors = _rush(make_event)
    assert errors == []
    assert set(results) <= {"ok", "sold_out", "coupon"}
    taken = variants_taken([v.pk for v in sizes])
    for variant in sizes:
        assert taken.get(variant.pk, 0) <= variant.stock, variant.label
    seated = Registration.objects.filter(event=event, status__in=Registration.SEATED)
    # every seat has exactly its jersey; every jersey belongs to a seat
    assert seated.count() == results.count("ok") == EntryItem.objects.filter(registration__event=event).count()
    assert not seated.exclude(items__isnull=False).exists()
    assert sum(taken.values()) == results.count("ok") <= sum(STOCK.values())
    # the rush asked for more of every size than there is: each is sold out exactly
    assert all(taken.get(v.pk, 0) == v.stock for v in sizes)
    assert coupon_uses(coupon) <= coupon.uses_allowed
    for category in Category.objects.filter(event=event):
        assert category.confirmed_count == seated.filter(category=category).count()


def test_negative_control_without_the_variants_lock_the_rush_oversells(make_event, monkeypatch):
    """Every rider wants an S (stock 3). Without the variants' lock, the first four riders to count
    (one in each category: each category's sign-ups take turns on its lock) all count before any of
    them writes (they wait for each other there): four S sold. With the lock the same rush sells 3.
    Nobody types the coupon here: its lock comes before the variants' (one rider holding it at the
    barrier would keep a second coupon rider from ever reaching it, and the four would never meet)."""
    counted = threading.Barrier(4)

    def unlocked(variant_ids, *, holding=None):  # counts without locking, then waits for the others
        ids = sorted(set(variant_ids))
        taken = variants_taken(ids)
        stock = dict(AddOnVariant.objects.filter(pk__in=ids).values_list("pk", "stock"))
        for pk in ids:
            if taken.get(pk, 0) + variant_ids.count(pk) > stock[pk]:
                raise ServiceError("sold out", "sold_out")
        with contextlib.suppress(threading.BrokenBarrierError):
            counted.wait(timeout=10)
            counted.abort()  # the first four have counted: the riders after them do not wait (10 s each)

    _event, _jersey, _coupon, sizes, _results, errors = _rush(make_event, one_size=True, coupons=False)
    assert errors == [] and variants_taken([sizes[0].pk]) == {sizes[0].pk: 3}  # the lock: exactly the stock
    monkeypatch.setattr(extras_services, "_variants_lock", unlocked)
    _event, _jersey, _coupon, sizes, _results, errors = _rush(make_event, one_size=True, coupons=False)
    assert errors == []
    assert variants_taken([sizes[0].pk])[sizes[0].pk] > sizes[0].stock
