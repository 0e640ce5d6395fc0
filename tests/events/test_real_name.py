"""Issue 13, real name and PIPL at registration: the ID number needs its own consent (purpose and
recipients named), must agree with the profile's birth date and gender (or fills them when the
rider says so), and leaves with the rider on a transfer."""

import datetime

import pytest

from events.models import Registration
from events.services import (
    registration_answers_give,
    registration_answers_missing,
    registration_create,
    registration_transfer,
)
from tests.factories import UserFactory

HIS_ID = "110105199001010010"  # 1990-01-01, male
HER_ID = "11010519491231002X"  # 1949-12-31, female
QUESTIONS = [{"key": "idno", "label": "身份证号", "label_en": "ID number", "kind": "national_id", "required": True}]


@pytest.fixture
def insured(make_event):
    return make_event(title="太行山挑战赛", questions=QUESTIONS, insurer="中国人保邢台分公司")


def _register(event, rider, **kwargs):
    return registration_create(event=event, category=event.categories.get(), rider=rider, **kwargs)


def test_no_id_number_without_its_own_consent(insured, client):
    rider = UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="male")
    from core.errors import ServiceError
    with pytest.raises(ServiceError) as refused:
        _register(insured, rider, answers={"idno": HIS_ID})
    assert refused.value.error_code == "id_consent" and not Registration.objects.exists()
    client.force_login(rider)
    page = client.get(f"/events/{insured.slug}/", headers={"accept-language": "en"}).getvalue().decode()
    assert 'name="id_consent"' in page and "中国人保邢台分公司" in page and "30 days after the event" in page
    answer = client.post(f"/events/{insured.slug}/", {"category": insured.categories.get().pk, "q_idno": HIS_ID},
                         headers={"accept-language": "en"})
    assert answer.status_code == 200 and "Agree to give your ID number" in answer.getvalue().decode()
    assert not Registration.objects.exists()
    registration, _created = _register(insured, rider, answers={"idno": HIS_ID}, id_consent=True)
    assert registration.id_consent_at is not None and registration.status == "confirmed"


@pytest.mark.parametrize(("profile", "number", "refused"), [
    ({"date_of_birth": datetime.date(1991, 1, 1), "gender": "male"}, HIS_ID, "1990-01-01"),
    ({"date_of_birth": datetime.date(1990, 1, 1), "gender": "female"}, HIS_ID, "gender"),
])
def test_an_id_that_disagrees_with_the_profile_is_refused(insured, profile, number, refused):
    from django.utils import translation

    from core.errors import ServiceError

    rider = UserFactory(**profile)
    with translation.override("en"), pytest.raises(ServiceError) as caught:
        _register(insured, rider, answers={"idno": number}, id_consent=True)
    assert caught.value.error_code == "id_mismatch" and refused in str(caught.value.messages)
    assert not Registration.objects.exists()


def test_a_missing_birth_date_and_gender_are_filled_from_the_id_when_the_rider_says_so(insured, make_event):
    from core.errors import ServiceError
    rider = UserFactory(date_of_birth=None, gender="undisclosed")
    with pytest.raises(ServiceError) as caught:
        _register(insured, rider, answers={"idno": HER_ID}, id_consent=True)
    assert caught.value.error_code == "id_fill_profile" and "1949-12-31" in str(caught.value.messages)
    rider.refresh_from_db()
    assert rider.date_of_birth is None  # nothing filled without the tick
    _register(insured, rider, answers={"idno": HER_ID}, id_consent=True, fill_profile=True)
    rider.refresh_from_db()
    assert (rider.date_of_birth, rider.gender) == (datetime.date(1949, 12, 31), "female")


def test_the_age_rules_use_the_birth_date_the_id_filled(make_event):
    from core.errors import ServiceError
    event = make_event(questions=QUESTIONS, categories=[{"name": "青年组", "capacity": 5, "max_age": 40}])
    rider = UserFactory(date_of_birth=None, gender="undisclosed")
    with pytest.raises(ServiceError) as caught:
        _register(event, rider, answers={"idno": HER_ID}, id_consent=True, fill_profile=True)
    assert caught.value.error_code == "too_old"


def test_a_transfer_takes_the_previous_riders_id_away_and_the_new_rider_gives_their_own(insured, client, organizer):
    first = UserFactory(date_of_birth=datetime.date(1949, 12, 31), gender="female")
    second = UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="male")
    insured.transfer_deadline = insured.starts_at
    insured.save()
    registration, _created = _register(insured, first, answers={"idno": HER_ID}, id_consent=True)
    offer = registration_transfer(registration=registration, to_rider=second)
    client.force_login(organizer)
    export = client.get(f"/events/{insured.slug}/export/insurance.csv").getvalue().decode("utf-8-sig")
    assert HER_ID in export  # offered, not accepted: still the first rider's seat and ID
    client.force_login(second)
    page = client.get(f"/events/{insured.slug}/").getvalue().decode()
    assert 'id="transfer-offer"' in page and 'name="id_consent"' in page
    client.post(f"/events/{insured.slug}/", {"action": "accept", "q_idno": HIS_ID})  # no consent: refused
    assert Registration.objects.get(pk=registration.pk).rider == first
    client.post(f"/events/{insured.slug}/", {"action": "accept", "q_idno": HIS_ID, "id_consent": "on"})
    registration.refresh_from_db()
    offer.refresh_from_db()
    assert registration.rider == second and offer.status == "accepted"
    assert registration.answers == {"idno": HIS_ID} and registration.id_consent_at is not None
    assert not registration_answers_missing(registration)
    client.force_login(organizer)
    export = client.get(f"/events/{insured.slug}/export/insurance.csv").getvalue().decode("utf-8-sig")
    assert HIS_ID in export and HER_ID not in export
    assert registration_answers_give  # the service the page used


def test_retention_erases_exactly_the_expired_id_numbers(make_event, settings):
    from django.core.management import call_command
    from django.utils import timezone

    from events.models import Event
    from events.services import national_ids_erase
    settings.NATIONAL_ID_RETENTION_DAYS = 30
    old = make_event(title="去年的比赛", questions=[*QUESTIONS, {"key": "size", "label": "尺码", "kind": "text"}])
    recent = make_event(title="上周的比赛", questions=QUESTIONS)
    riders = [UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="male") for _ in range(3)]
    kept = _register(recent, riders[0], answers={"idno": HIS_ID}, id_consent=True)[0]
    gone = [_register(old, r, answers={"idno": HIS_ID, "size": "M"}, id_consent=True)[0] for r in riders[1:]]
    now = timezone.now()
    Event.objects.filter(pk=old.pk).update(starts_at=now - datetime.timedelta(days=32),
                                           ends_at=now - datetime.timedelta(days=31))
    Event.objects.filter(pk=recent.pk).update(starts_at=now - datetime.timedelta(days=8),
                                              ends_at=now - datetime.timedelta(days=7))
    from io import StringIO
    out = StringIO()
    call_command("ids_erase", stdout=out)
    assert "2 registrations" in out.getvalue()
    for registration in gone:
        registration.refresh_from_db()
        assert registration.answers == {"size": "M"}  # only the ID number goes
    kept.refresh_from_db()
    assert kept.answers == {"idno": HIS_ID}
    assert national_ids_erase() == 0  # run again: nothing left


def test_every_look_at_unmasked_id_numbers_is_logged_and_readable(insured, client, organizer):
    from events.models import IdAccess
    rider = UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="male")
    _register(insured, rider, answers={"idno": HIS_ID}, id_consent=True)
    client.force_login(organizer)
    client.get(f"/events/{insured.slug}/export/roster.csv")  # masked: not logged
    assert not IdAccess.objects.exists()
    assert HIS_ID in client.get(f"/events/{insured.slug}/export/insurance.csv").getvalue().decode("utf-8-sig")
    entry = IdAccess.objects.get()
    assert (entry.user, entry.event, entry.rows, entry.action) == (organizer, insured, 1, "insurance export")
    page = client.get(f"/events/{insured.slug}/id-log/").getvalue().decode()
    assert 'id="id-log"' in page and organizer.public_name in page
    from django.urls import reverse
    manage = client.get(f"/events/{insured.slug}/manage/").getvalue().decode()
    assert reverse("events:id-log", args=[insured.slug]) in manage
    client.force_login(rider)
    assert client.get(f"/events/{insured.slug}/id-log/").status_code == 404
