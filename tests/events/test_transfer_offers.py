"""Issue 14, transfers with consent: a transfer is an offer; the seat moves only when the recipient
accepts with their own answers; the recipient's rules and the deadline are checked; declined or
withdrawn offers change nothing; the recipient's message carries no check-in code of the sender."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import ServiceError
from core.outbox import send_due
from events.models import Event, Registration, TransferOffer
from events.services import registration_create, registration_transfer, transfer_accept, transfer_decline
from tests.factories import UserFactory


@pytest.fixture
def seat(make_event):
    event = make_event(title="七里河骑行", transfer_deadline=timezone.now() + datetime.timedelta(days=2),
                       questions=[{"key": "size", "label": "尺码", "kind": "choice", "required": True,
                                   "choices": ["S", "M", "L"]}],
                       categories=[{"name": "成人组", "capacity": 5, "min_age": 18}])
    owner = UserFactory(date_of_birth=datetime.date(1990, 1, 1))
    registration = registration_create(event=event, category=event.categories.get(), rider=owner,
                                       answers={"size": "L"})[0]
    return event, registration, owner


def test_an_offer_moves_nothing_until_accepted(seat):
    _event, registration, owner = seat
    friend = UserFactory(date_of_birth=datetime.date(1992, 3, 3), email="friend@example.com")
    offer = registration_transfer(registration=registration, to_rider=friend)
    registration.refresh_from_db()
    assert registration.rider == owner and registration.answers == {"size": "L"} and offer.status == "pending"
    send_due()
    [message] = [m for m in mail.outbox if m.to == ["friend@example.com"]]
    from events.services import checkin_code
    assert checkin_code(registration) not in message.body  # the sender's code is not the recipient's
    with pytest.raises(ServiceError):
        transfer_accept(offer=offer, rider=friend, answers={})  # their own answers are required
    moved = transfer_accept(offer=offer, rider=friend, answers={"size": "M"})
    assert (moved.rider, moved.answers, moved.transferred_from) == (friend, {"size": "M"}, owner)


def test_declined_and_withdrawn_offers_change_nothing(seat):
    _event, registration, owner = seat
    friend, other = UserFactory(date_of_birth=datetime.date(1992, 3, 3)), UserFactory()
    offer = registration_transfer(registration=registration, to_rider=friend)
    assert transfer_decline(offer=offer, rider=friend).status == "declined"
    with pytest.raises(ServiceError):
        transfer_accept(offer=offer, rider=friend, answers={"size": "M"})
    again = registration_transfer(registration=registration, to_rider=friend)
    assert transfer_decline(offer=again, rider=owner).status == "withdrawn"
    with pytest.raises(ServiceError):
        transfer_decline(offer=registration_transfer(registration=registration, to_rider=friend), rider=other)
    assert Registration.objects.get(pk=registration.pk).rider == owner


def test_the_recipients_rules_and_the_deadline_apply_at_acceptance(seat):
    event, registration, _owner = seat
    child = UserFactory(date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 12))
    with pytest.raises(ServiceError) as young:
        registration_transfer(registration=registration, to_rider=child)
    assert young.value.error_code == "too_young"
    friend = UserFactory(date_of_birth=datetime.date(1992, 3, 3))
    offer = registration_transfer(registration=registration, to_rider=friend)
    Event.objects.filter(pk=event.pk).update(transfer_deadline=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ServiceError) as late:
        transfer_accept(offer=offer, rider=friend, answers={"size": "M"})
    assert late.value.error_code == "transfer_closed"
    assert TransferOffer.objects.get(pk=offer.pk).status == "pending"


def test_the_api_offers_and_the_recipient_accepts(client, seat):
    _event, registration, owner = seat
    friend = UserFactory(date_of_birth=datetime.date(1992, 3, 3))
    client.force_login(owner)
    answer = client.post(f"/api/v1/registrations/{registration.pk}/transfer/", {"username": friend.username},
                         content_type="application/json")
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert Registration.objects.get(pk=registration.pk).rider == owner
    offer_id = answer.json()["id"]
    assert client.post(f"/api/v1/transfers/{offer_id}/accept/", {}, content_type="application/json"
                       ).status_code == 404  # only the recipient
    client.force_login(friend)
    accepted = client.post(f"/api/v1/transfers/{offer_id}/accept/", {"answers": {"size": "S"}},
                           content_type="application/json")
    assert accepted.status_code == 200 and Registration.objects.get(pk=registration.pk).rider == friend
