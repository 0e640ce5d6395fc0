"""Issue 13, PIPL: a rider downloads everything they gave (JSON) and deletes their account; personal
data is erased, registrations stay anonymised, and statistics computed again come out the same."""

import datetime
import json
from decimal import Decimal

import pytest

from accounts.models import User
from clubs.models import Membership
from clubs.services import club_create
from events.models import Registration
from events.services import event_complete, registration_create
from industry.models import EventStat
from industry.stats import event_stats_compute
from payments.models import FapiaoRequest, Order
from payments.services import dev_pay, fapiao_request
from tests.factories import PASSWORD, UserFactory

ID = "110105199001010010"  # 1990-01-01, male


@pytest.fixture
def rich_rider(make_event):
    """A rider who gave the platform something of every kind."""
    rider = UserFactory(username="qilihe_wang", display_name="绿道小王", real_name="王小明", gender="male",
                        date_of_birth=datetime.date(1990, 1, 1), mobile="+8613912345678", phone="+8613912345678",
                        phone_verified=True, home_area="xiangdu", emergency_contact_name="王大明",
                        emergency_contact_phone="+8613700001111", email="wang@example.com")
    event = make_event(title="太行山挑战赛", questions=[
        {"key": "idno", "label": "身份证号", "kind": "national_id", "required": True},
        {"key": "size", "label": "尺码", "kind": "text"}],
        categories=[{"name": "100公里", "capacity": 5, "fee_cny": Decimal("120")}])
    registration = registration_create(event=event, category=event.categories.get(), rider=rider,
                                       answers={"idno": ID, "size": "L"}, id_consent=True)[0]
    order = dev_pay(order=Order.objects.get(registration=registration))
    fapiao_request(order=order, title="王小明", taxpayer_id="", email="wang@example.com")
    club = club_create(name="邢台骑行会", founder=UserFactory())
    Membership.objects.create(club=club, user=rider, state="active", message="我住桥东，周末骑七里河")
    return rider, event, registration


def test_the_download_has_every_field_the_rider_gave(client, rich_rider):
    rider, _event, _registration = rich_rider
    client.force_login(rider)
    assert 'id="data-download"' in client.get("/me/").content.decode()
    response = client.get("/me/data.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    profile = data["profile"]
    for field, value in (("real_name", "王小明"), ("display_name", "绿道小王"), ("mobile", "+8613912345678"),
                         ("phone", "+8613912345678"), ("date_of_birth", "1990-01-01"), ("gender", "male"),
                         ("home_area", "xiangdu"), ("emergency_contact_name", "王大明"),
                         ("emergency_contact_phone", "+8613700001111"), ("email", "wang@example.com")):
        assert profile[field] == value, field
    [registration] = data["registrations"]
    assert registration["answers"] == {"idno": ID, "size": "L"}  # their own, unmasked
    assert registration["id_consent_at"]
    assert data["clubs"]["memberships"][0]["message"] == "我住桥东，周末骑七里河"
    assert data["orders"][0]["amount_fen"] == 12000 and data["orders"][0]["fapiao"]["title"] == "王小明"
    client.logout()
    assert client.get("/me/data.json").status_code == 302  # only the rider's own


def test_deleting_the_account_erases_personal_data_and_keeps_statistics(client, rich_rider):
    rider, event, registration = rich_rider
    event_complete(event=event)
    event_stats_compute(event_ids=[event.pk])
    fields = ("dimension", "bucket", "registered", "confirmed", "checked_in")
    before = sorted(EventStat.objects.filter(event=event).values_list(*fields))
    client.force_login(rider)
    wrong = client.post("/me/delete/", {"username": rider.username, "password": "not-it"})
    assert wrong.status_code == 200 and User.objects.get(pk=rider.pk).is_active
    response = client.post("/me/delete/", {"username": rider.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    gone = User.objects.get(pk=rider.pk)
    assert not gone.is_active and not gone.has_usable_password()
    assert (gone.real_name, gone.display_name, gone.mobile, gone.phone, gone.email, gone.date_of_birth,
            gone.emergency_contact_name, gone.emergency_contact_phone) == ("", "", "", "", "", None, "", "")
    assert gone.username == f"deleted-{rider.pk}"
    registration.refresh_from_db()
    assert registration.answers == {} and registration.rider_age == 36 and registration.status == "confirmed"
    assert not FapiaoRequest.objects.exists() and Order.objects.get(registration=registration).amount_fen == 12000
    assert Membership.objects.get(user=gone).message == ""
    event_stats_compute(event_ids=[event.pk])
    after = sorted(EventStat.objects.filter(event=event).values_list(*fields))
    assert after == before  # the statistics come out the same
    assert client.post("/accounts/login/", {"login": "13912345678", "password": PASSWORD}).status_code == 200
    assert Registration.objects.filter(rider=gone).count() == 1
