"""Issue 14, entry codes: made or imported by the organizer, single or N-use, at their own price (0:
free), until a date, seats reserved out of the capacity; a code used up cannot be used again, also
under a race on PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import ServiceError
from events.models import EntryCode, Registration
from events.services import entry_codes_create, entry_codes_import, entry_codes_release, registration_create
from payments.models import Order
from tests.factories import UserFactory


@pytest.fixture
def race(make_event):
    event = make_event(title="邀请赛", categories=[
        {"name": "精英组", "capacity": 3, "fee_cny": Decimal("200"), "waitlist_enabled": True}])
    return event, event.categories.get()


def test_a_comp_code_registers_free_and_is_used_once(race):
    event, category = race
    [code] = entry_codes_create(event=event, category=category, count=1, price_fen=0, note="赞助商")
    rider = UserFactory()
    registration, created = registration_create(event=event, category=category, rider=rider, code=code.code.lower())
    assert created and registration.status == "confirmed" and registration.entry_code == code
    assert not Order.objects.filter(registration=registration).exists()  # free: nothing to pay
    with pytest.raises(ServiceError) as used:
        registration_create(event=event, category=category, rider=UserFactory(), code=code.code)
    assert used.value.error_code == "code_used"
    code.refresh_from_db()
    assert code.uses == 1


def test_a_code_at_its_own_price_and_its_limits(race):
    event, category = race
    [discount] = entry_codes_create(event=event, category=category, count=1, uses=2, price_fen=9900)
    registration = registration_create(event=event, category=category, rider=UserFactory(), code=discount.code)[0]
    assert registration.status == "awaiting_payment"
    assert Order.objects.get(registration=registration).amount_fen == 9900
    with pytest.raises(ServiceError) as wrong:
        registration_create(event=event, category=category, rider=UserFactory(), code="NOPE1234")
    assert wrong.value.error_code == "code_invalid"
    [old] = entry_codes_create(event=event, category=category, count=1,
                               expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ServiceError) as expired:
        registration_create(event=event, category=category, rider=UserFactory(), code=old.code)
    assert expired.value.error_code == "code_expired"


def test_reserved_seats_are_kept_from_the_open_sign_up(race):
    event, category = race
    codes = entry_codes_create(event=event, category=category, count=2, reserve=True)
    category.refresh_from_db()
    assert category.code_seats == 2
    first = registration_create(event=event, category=category, rider=UserFactory())[0]
    second = registration_create(event=event, category=category, rider=UserFactory())[0]
    assert first.status == "awaiting_payment" and second.status == "waitlisted"  # 3 seats, 2 reserved
    for code in codes:
        assert registration_create(event=event, category=category, rider=UserFactory(),
                                   code=code.code)[0].status == "awaiting_payment"
    category.refresh_from_db()
    assert (category.code_seats, category.confirmed_count) == (0, 3)
    with pytest.raises(ServiceError):
        entry_codes_create(event=event, category=category, count=1, reserve=True)  # no free seat to reserve


def test_giving_reserved_seats_back_offers_them_to_the_waitlist(race):
    event, category = race
    entry_codes_create(event=event, category=category, count=2, reserve=True)
    registration_create(event=event, category=category, rider=UserFactory())
    waiting = registration_create(event=event, category=category, rider=UserFactory())[0]
    assert waiting.status == "waitlisted"
    assert entry_codes_release(category=category) == 2
    assert Registration.objects.get(pk=waiting.pk).status == "awaiting_payment"  # the freed seat, as an offer


def test_import_is_all_or_nothing_with_each_line_named(race):
    event, _category = race
    bad = entry_codes_import(event=event, data="code,category,uses,price_cny,valid_until,note\n"
                                               "VIP001,精英组,1,0,,\nVIP002,无此组,1,,,\n".encode())
    assert bad.applied == 0 and len(bad.errors) == 1 and "3" in bad.errors[0] and "无此组" in bad.errors[0]
    assert not EntryCode.objects.exists()
    rows = ("code,category,uses,price_cny,valid_until,note\n"
            "vip001,精英组,1,0,2099-12-31 23:59,领骑\nVIP002,精英组,3,,,\n")
    good = entry_codes_import(event=event, data=rows.encode())
    assert good.applied == 2 and set(EntryCode.objects.values_list("code", flat=True)) == {"VIP001", "VIP002"}


def test_the_organizer_page_and_the_riders_form(client, race, organizer):
    event, category = race
    client.force_login(organizer)
    client.post(f"/events/{event.slug}/codes/", {"action": "create", "category": category.pk, "count": 3,
                                                  "uses": 1, "price_cny": "0", "note": "合作车队"})
    assert EntryCode.objects.count() == 3
    csv_file = SimpleUploadedFile("codes.csv", "code,category\nQUAL01,精英组\n".encode(), content_type="text/csv")
    client.post(f"/events/{event.slug}/codes/", {"action": "import", "file": csv_file})
    assert EntryCode.objects.filter(code="QUAL01").exists()
    listing = client.get(f"/events/{event.slug}/codes/?format=csv").getvalue().decode("utf-8-sig")
    assert "QUAL01" in listing and "合作车队" in listing
    rider = UserFactory()
    client.force_login(rider)
    page = client.get(f"/events/{event.slug}/").getvalue().decode()
    assert 'name="code"' in page
    client.post(f"/events/{event.slug}/", {"category": category.pk, "code": "qual01"})
    assert Registration.objects.get(rider=rider).entry_code.code == "QUAL01"
    client.force_login(UserFactory())
    assert client.get(f"/events/{event.slug}/codes/").status_code == 404
