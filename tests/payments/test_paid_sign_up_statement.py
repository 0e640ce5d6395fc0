"""Issue 27: a paid sign-up on PostgreSQL is one prepared statement that claims the seat, writes the
registration, its outbox row and history, and (payments' part, events.payments_port
HeldInStatement) the held seat's order, the order's first status and its lines. It must write
exactly what the row-by-row path writes, nothing when no seat is held, and answer with the order
as it is read back."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from core import prepared
from core.models import Outbox, StatusChange
from events import testutils
from events.models import Registration
from events.serializers import registration_output
from events.services import registration_create
from payments import seat_money
from payments.models import Order, OrderLine
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDER_FIELDS = ("kind", "subject_id", "description", "amount_fen", "currency", "status", "provider", "return_path",
                "group_id", "paid_at")
LINE_FIELDS = ("kind", "description", "description_en", "amount_fen", "subject_id", "position")


def _paid_event(make_event, *, capacity=5, waitlist=True):
    return make_event(categories=[{"name": "100公里", "name_en": "100 km", "capacity": capacity,
                                   "fee_cny": Decimal("120"), "waitlist_enabled": waitlist}],
                      insurance_fen=1500, insurer="平安")


def _written(registration: Registration) -> dict:
    order = Order.objects.get(registration=registration)
    return {
        "registration": (registration.status, registration.price_fen, registration.hold_expires_at is not None),
        "order": (*(getattr(order, f) for f in ORDER_FIELDS), order.rider_id == registration.rider_id,
                  order.expires_at == registration.hold_expires_at),
        "lines": [tuple(getattr(line, f) for f in LINE_FIELDS) for line in OrderLine.objects.filter(order=order)
                  .order_by("position")],
        "history": sorted((c.subject, c.from_status, c.to_status, c.why) for c in StatusChange.objects.filter(
            Q(subject="payments.order", object_id=order.pk) | Q(subject="events.registration",
                                                                object_id=registration.pk))),
        "outbox": list(Outbox.objects.filter(object_id=registration.pk).values_list("topic", "kind")),
    }


def test_the_one_statement_writes_what_the_row_by_row_path_writes(make_event, monkeypatch):
    event = _paid_event(make_event)
    category = event.categories.get()
    riders = [UserFactory(), UserFactory()]
    monkeypatch.setattr("events.services.signup.outbox_kick_on_commit", lambda **kwargs: None)  # (the sender's queries)
    with CaptureQueriesContext(connection) as queries:
        one = registration_create(event=event, category=category, rider=riders[0], insurance="")[0]
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().startswith("SELECT")]
    assert len(writes) == 1 and "held_order" in writes[0], writes  # no BEGIN, no COMMIT, no second statement
    monkeypatch.setattr(testutils, "single_statement_claim", False)  # the seat in two statements
    monkeypatch.setattr(prepared, "one_statement_possible", lambda: False)  # the order row by row (the ORM)
    with CaptureQueriesContext(connection) as queries:
        other = registration_create(event=event, category=category, rider=riders[1], insurance="")[0]
    assert not any("held_order" in q["sql"] for q in queries.captured_queries)  # the other path, truly
    written = _written(one)
    assert written == _written(other)
    assert written["order"][:6] == ("registration", None, "测试骑行 · 100公里", 13500, "CNY", "pending")
    assert [line[:4] for line in written["lines"]] == [("entry", "测试骑行 · 100公里", "测试骑行 · 100 km", 12000),
                                                       ("insurance", "保险 · 平安", "Insurance · 平安", 1500)]
    assert written["history"] == [("events.registration", "", "awaiting_payment", "signed up"),
                                  ("payments.order", "", "pending", "seat held for payment")]


def test_the_answer_shows_the_order_as_it_is_read_back(make_event):
    event = _paid_event(make_event)
    registration = registration_create(event=event, category=event.categories.get(), rider=UserFactory())[0]
    answered = registration_output(registration)["order"]
    assert registration.held_order is not None
    read_back = seat_money.PaymentsForSeats().pending(registration=Registration.objects.get(pk=registration.pk))
    assert answered == read_back and answered["pay_url"] == f"/payments/orders/{answered['id']}/"
    assert answered["expires_at"] - registration.queued_at == datetime.timedelta(minutes=event.payment_minutes)


def test_no_seat_held_no_order(make_event):
    event = _paid_event(make_event, capacity=1)
    category = event.categories.get()
    first = registration_create(event=event, category=category, rider=UserFactory())[0]
    waiting = registration_create(event=event, category=category, rider=UserFactory())[0]
    assert (first.status, waiting.status) == ("awaiting_payment", "waitlisted")
    assert waiting.held_order is None and registration_output(waiting)["order"] is None
    assert list(Order.objects.values_list("registration_id", flat=True)) == [first.pk]
    assert OrderLine.objects.count() == 2 and StatusChange.objects.filter(subject="payments.order").count() == 1


def test_full_without_a_waitlist_writes_nothing(make_event):
    from core.errors import ServiceError

    event = _paid_event(make_event, capacity=1, waitlist=False)
    category = event.categories.get()
    registration_create(event=event, category=category, rider=UserFactory())
    orders, lines, changes = Order.objects.count(), OrderLine.objects.count(), StatusChange.objects.count()
    with pytest.raises(ServiceError):
        registration_create(event=event, category=category, rider=UserFactory())
    assert (Order.objects.count(), OrderLine.objects.count(), StatusChange.objects.count()) == (orders, lines, changes)
    assert Registration.objects.filter(event=event).count() == 1


def test_a_repeat_gets_its_seat_and_its_one_order(make_event):
    event = _paid_event(make_event)
    rider = UserFactory()
    first, created = registration_create(event=event, category=event.categories.get(), rider=rider)
    again, created_again = registration_create(event=event, category=event.categories.get(), rider=rider)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Order.objects.filter(registration=first).count() == 1
    assert registration_output(again)["order"]["id"] == first.held_order["id"]


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(("turned_on", "kept", "prepared"), [(True, 60, True), (False, 60, False), (True, 0, False)],
                         ids=["prepared", "turned-off", "connections-last-one-request"])
def test_the_statement_is_prepared_unless_turned_off(make_event, settings, monkeypatch, turned_on, kept, prepared):
    settings.DATABASE_PREPARED = turned_on
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", kept)
    connection.close()  # a new connection: nothing prepared on it yet
    event = _paid_event(make_event)
    for _ in range(2):
        registration_create(event=event, category=event.categories.get(), rider=UserFactory())
    statements = _prepared_here()
    assert any("held_order" in s for s in statements) is prepared
    assert not any("authtoken" in s or "accounts_user" in s for s in statements)  # nothing else prepared
    assert Order.objects.filter(status="pending").count() == 2
