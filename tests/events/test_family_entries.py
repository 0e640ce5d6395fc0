"""Issue 14, group and family entries: an adult registers companions (each their own profile and
answers) with or without themselves, every seat or none; a child under 18 only with their
guardian's consent; the adult pays for everyone."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import User
from events.models import Registration
from payments.models import Order
from tests.factories import UserFactory

QUESTIONS = [{"key": "size", "label": "尺码", "kind": "choice", "required": True, "choices": ["S", "M", "L"]}]


@pytest.fixture
def family_ride(make_event):
    return make_event(title="亲子骑行", waiver_text="自愿参加。", questions=QUESTIONS,
                      categories=[{"name": "亲子组", "capacity": 3, "fee_cny": Decimal("30")}])


def _post(client, event, **body):
    payload = {"category": event.categories.get().pk, "accept_waiver": True, "answers": {"size": "L"}, **body}
    return client.post(f"/api/v1/events/{event.slug}/family-registrations/", payload, content_type="application/json")


CHILD = {"real_name": "王小宝", "gender": "male", "date_of_birth": "2016-05-01", "answers": {"size": "S"}}
SPOUSE = {"real_name": "李丽", "gender": "female", "date_of_birth": "1988-02-02", "answers": {"size": "M"}}


def test_a_parent_registers_the_family_and_pays_for_everyone(client, family_ride):
    parent = UserFactory(date_of_birth=datetime.date(1986, 1, 1))
    client.force_login(parent)
    refused = _post(client, family_ride, companions=[CHILD, SPOUSE])
    assert refused.status_code == 400 and refused.json()["code"] == "guardian"  # the child: consent first
    assert not Registration.objects.exists() and not User.objects.filter(guardian=parent).exists()
    answer = _post(client, family_ride, companions=[CHILD, SPOUSE], guardian_consent=True)
    assert answer.status_code == 201 and len(answer.json()) == 3
    child = User.objects.get(real_name="王小宝")
    assert child.guardian == parent and not child.has_usable_password()
    seats = Registration.objects.filter(event=family_ride)
    assert {r.answers["size"] for r in seats} == {"S", "M", "L"}
    assert seats.get(rider=child).guardian_consent_at is not None
    assert Order.objects.filter(rider=parent).count() == 3  # the adult pays for everyone
    page = client.get(f"/events/registrations/{seats.get(rider=child).pk}/")
    assert page.status_code == 200  # the guardian sees the child's registration


def test_every_seat_or_none(client, family_ride):
    parent = UserFactory(date_of_birth=datetime.date(1986, 1, 1))
    client.force_login(parent)
    too_many = _post(client, family_ride, companions=[CHILD, SPOUSE, {**SPOUSE, "real_name": "王奶奶"}],
                     guardian_consent=True)
    assert too_many.status_code == 400 and too_many.json()["code"] == "not_enough_seats"
    assert not Registration.objects.exists() and not User.objects.filter(guardian=parent).exists()
    bad_answer = _post(client, family_ride, companions=[{**SPOUSE, "answers": {"size": "XXL"}}])
    assert bad_answer.status_code == 400 and not Registration.objects.exists()


def test_a_minor_cannot_be_registered_by_another_minor(client, family_ride):
    teen = UserFactory(date_of_birth=datetime.date.today().replace(year=datetime.date.today().year - 16))
    client.force_login(teen)
    answer = _post(client, family_ride, companions=[CHILD], guardian_consent=True)
    assert answer.status_code == 400 and answer.json()["code"] == "guardian"
    assert not Registration.objects.exists()


def test_the_family_page_registers_a_parent_and_a_child(client, family_ride):
    parent = UserFactory(date_of_birth=datetime.date(1986, 1, 1))
    client.force_login(parent)
    assert 'id="family-link"' in client.get(f"/events/{family_ride.slug}/").content.decode()
    page = client.get(f"/events/{family_ride.slug}/family/?n=1").content.decode()
    assert 'name="c0-real_name"' in page and 'name="c0-q_size"' in page
    form = {"count": "1", "category": family_ride.categories.get().pk, "adult_rides": "on", "q_size": "L",
            "accept_waiver": "on", "c0-real_name": "王小宝", "c0-gender": "male", "c0-date_of_birth": "2016-05-01",
            "c0-q_size": "S"}
    refused = client.post(f"/events/{family_ride.slug}/family/", form)
    assert refused.status_code == 200 and not Registration.objects.exists()  # no guardian consent
    assert not User.objects.filter(guardian=parent).exists()  # nor a stray companion profile
    done = client.post(f"/events/{family_ride.slug}/family/", {**form, "guardian_consent": "on"})
    assert done.status_code == 302
    assert sorted(Registration.objects.values_list("answers__size", flat=True)) == ["L", "S"]


def test_friends_with_an_account_confirm_their_own_seat(client, family_ride):
    parent, friend = UserFactory(date_of_birth=datetime.date(1986, 1, 1)), UserFactory()
    client.force_login(parent)
    answer = _post(client, family_ride, companions=[], friends=[friend.username])
    assert answer.status_code == 201
    held = Registration.objects.get(rider=friend)
    assert held.status == "held" and held.answers == {}  # their own answers and waiver come from them
    from events.services import registration_hold_confirm
    confirmed = registration_hold_confirm(registration=held, answers={"size": "M"}, accept_waiver=True)
    assert confirmed.status == "awaiting_payment" and confirmed.waiver_accepted_at is not None
    assert Order.objects.get(registration=confirmed).rider == friend  # a friend pays their own
    unknown = _post(client, family_ride, companions=[], friends=["nobody-here"], adult_rides=False)
    assert unknown.status_code == 400 and "friends" in unknown.json()["fields"]


def test_the_family_page_takes_friends_only(client, family_ride):
    parent, friend = UserFactory(date_of_birth=datetime.date(1986, 1, 1)), UserFactory()
    client.force_login(parent)
    form = {"count": "1", "category": family_ride.categories.get().pk, "accept_waiver": "on",
            "friends": f" {friend.username} "}  # the companion block left empty; the parent does not ride
    answer = client.post(f"/events/{family_ride.slug}/family/", form)
    assert answer.status_code == 302 and answer["Location"].endswith("/")  # back to the event page
    assert client.get(answer["Location"]).status_code == 200
    assert Registration.objects.get().rider == friend and not User.objects.filter(guardian=parent).exists()
