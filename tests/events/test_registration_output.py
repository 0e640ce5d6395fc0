"""The sign-up reads a well-formed body and builds its answer without a serializer (issue 27's
profile); both must stay what RegistrationInput and RegistrationOutput, the documented schema, say."""

import datetime
import json

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from events.models import Registration
from events.serializers import RegistrationInput, RegistrationOutput, registration_input, registration_output

VALID_ID = "110105199001010010"  # born 1990-01-01, a man: as the rider fixture
QUESTIONS = [{"key": "jersey", "label": "尺码", "kind": "choice", "required": True, "choices": ["S", "M"]},
             {"key": "id", "label": "身份证", "kind": "national_id", "required": False}]


def _sign_up(client, rider, event, category, **body):
    token, _ = Token.objects.get_or_create(user=rider)
    response = client.post(f"/api/v1/events/{event.slug}/registrations/",
                           json.dumps({"category": category.pk, **body}), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_every_kind_of_seat_is_answered_as_the_schema_says(client, make_event, riders):
    event = make_event(capacity=2, questions=QUESTIONS, categories=[
        {"name": "免费", "capacity": 2}, {"name": "收费", "capacity": 5, "fee_cny": "120"}])
    free, paid = event.categories.order_by("pk")
    answers = {"jersey": "M", "id": VALID_ID}
    answered = [_sign_up(client, riders[0], event, free, answers=answers, id_consent=True),  # confirmed, ID masked
                _sign_up(client, riders[1], event, free, answers={"jersey": "S"}),  # confirmed
                _sign_up(client, riders[2], event, free, answers={"jersey": "S"}),  # waitlisted
                _sign_up(client, riders[3], event, paid, answers={"jersey": "M"})]  # held for payment, with its order
    assert [a["status"] for a in answered] == ["confirmed", "confirmed", "waitlisted", "awaiting_payment"]
    assert answered[0]["answers"]["id"] == "1101**********0010" and answered[3]["order"]["amount_fen"] == 12000
    for answer in answered:
        registration = Registration.objects.select_related("event").get(pk=answer["id"])
        assert answer == json.loads(JSONRenderer().render(RegistrationOutput(registration).data))
    # a repeat answers with the seat the rider has (200), checked in and with a result too
    Registration.objects.filter(pk=answered[1]["id"]).update(
        checked_in_at=timezone.now() - datetime.timedelta(minutes=3), result="finished", finish_seconds=7384)
    again = _sign_up(client, riders[1], event, free, answers={"jersey": "S"})
    registration = Registration.objects.select_related("event").get(pk=again["id"])
    assert again["result"] == "finished" and again["checked_in_at"] is not None
    assert again == json.loads(JSONRenderer().render(RegistrationOutput(registration).data))
    assert registration_output(registration) == RegistrationOutput(registration).data


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
KEYS = st.sampled_from(["category", "answers", "accept_waiver", "id_consent", "fill_profile", "code", "other"])
VALUES = {"category": st.integers() | st.booleans() | st.text(max_size=3) | st.none(),
          "answers": st.dictionaries(st.text(max_size=6), JSON, max_size=3) | JSON}
BODY = st.dictionaries(KEYS, JSON, max_size=6).flatmap(
    lambda body: st.fixed_dictionaries({key: VALUES.get(key, st.booleans() | JSON) for key in body}))


@settings(max_examples=300, deadline=None)
@given(body=BODY | JSON)
def test_a_body_is_read_as_the_input_serializer_reads_it(body):
    """Whatever is sent: the same validated values, or the same refusal with the same messages."""
    serializer = RegistrationInput(data=body)
    if serializer.is_valid():
        assert registration_input(body) == dict(serializer.validated_data)
    else:
        with pytest.raises(ValidationError) as refused:
            registration_input(body)
        assert refused.value.detail == serializer.errors


def test_the_bodies_a_client_sends_take_the_short_way(monkeypatch):
    """A negative control: the plain JSON bodies never build the serializer; odd ones do."""
    built = []
    monkeypatch.setattr(RegistrationInput, "__init__", lambda self, *a, **k: built.append(1) or
                        super(RegistrationInput, self).__init__(*a, **k))
    registration_input({"category": 7, "accept_waiver": True})
    registration_input({"category": 7, "answers": {"jersey": "M"}, "id_consent": False, "fill_profile": True})
    assert built == []
    registration_input({"category": "7"})
    assert built == [1]
