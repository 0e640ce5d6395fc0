"""The sign-up's answer is built without a serializer (issue 27's profile); it must stay what
RegistrationOutput, the documented schema, says for every kind of seat."""

import datetime
import json

from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer

from events.models import Registration
from events.serializers import RegistrationOutput, registration_output

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
