"""Event API input and output shapes."""

import hashlib
import re
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings

from core import money
from core.i18n import localized
from events import payments_port
from events.idcard import mask
from events.models import Category, CheckinScan, Event, Question, Registration
from events.services.checkin import CheckinOutcome, checkin_code
from events.services.raceday import REASONS as SCAN_REASONS
from events.services.raceday import SYNC_LIMIT, ScanReason
from routes.models import Route
from routes.selectors import routes_visible_to


class CategoryInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    name_en = serializers.CharField(max_length=80, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)
    route = serializers.PrimaryKeyRelatedField(queryset=Route.objects.all(), required=False, allow_null=True)
    fee_cny = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, default=0)
    waitlist_enabled = serializers.BooleanField(default=True)
    min_age = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    max_age = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=Category.Gender.choices, required=False, allow_blank=True)
    bib_start = serializers.IntegerField(min_value=1, required=False)
    bib_end = serializers.IntegerField(min_value=1, required=False)

    def validate_route(self, route):
        user = self.context["request"].user
        if route is not None and not routes_visible_to(user=user).filter(pk=route.pk,
                                                                        current_version__isnull=False).exists():
            raise serializers.ValidationError(_("No such route."))
        return route


class QuestionInput(serializers.Serializer):
    key = serializers.SlugField(max_length=40)
    label = serializers.CharField(max_length=200)
    label_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Question.Kind.choices, default=Question.Kind.TEXT)
    required = serializers.BooleanField(default=False)
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False)


class EventInput(serializers.Serializer):
    title = serializers.CharField(max_length=160)
    title_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    description_en = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    registration_opens_at = serializers.DateTimeField()
    registration_closes_at = serializers.DateTimeField()
    transfer_deadline = serializers.DateTimeField(required=False, allow_null=True)
    meeting_point = serializers.CharField(max_length=200, required=False, allow_blank=True)
    meeting_lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    meeting_lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    county = serializers.CharField(max_length=12, required=False, allow_blank=True)
    waiver_text = serializers.CharField(required=False, allow_blank=True)
    categories = CategoryInput(many=True)
    questions = QuestionInput(many=True, required=False)

    def validate_categories(self, value):
        if not value:
            raise serializers.ValidationError(_("An event needs at least one category."))
        return value

    def category_specs(self) -> list[dict]:
        specs = []
        for data in self.validated_data["categories"]:
            data = dict(data)
            route = data.pop("route", None)
            data["route_version"] = route.current_version if route else None
            specs.append(data)
        return specs


class CategoryOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    confirmed = serializers.IntegerField(read_only=True)
    waitlisted = serializers.IntegerField(source="waiting", read_only=True)
    seats_left = serializers.SerializerMethodField()
    route = serializers.SerializerMethodField()
    fee_cny = serializers.SerializerMethodField(help_text="The fee in yuan, two decimals (fee_fen is the amount).")

    class Meta:
        model = Category
        fields = ("id", "name", "name_en", "title", "capacity", "confirmed", "waitlisted", "seats_left",
                  "waitlist_enabled", "fee_fen", "fee_cny", "min_age", "max_age", "gender", "bib_start", "bib_end",
                  "route")

    def get_title(self, category) -> str:
        return localized(category, "name")

    def get_fee_cny(self, category) -> str:
        return money.yuan2(category.fee_fen)

    def get_seats_left(self, category) -> int:
        return max(0, category.capacity - getattr(category, "seated", getattr(category, "confirmed", 0)))

    def get_route(self, category) -> dict | None:
        version = category.route_version
        if version is None:
            return None
        return {"slug": version.route.slug, "version": version.number, "distance_m": version.distance_m,
                "elevation_gain_m": version.elevation_gain_m}


class QuestionOutput(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ("key", "label", "label_en", "kind", "required", "choices")


class EventOutput(serializers.ModelSerializer):
    title_localized = serializers.SerializerMethodField()
    categories = CategoryOutput(many=True, read_only=True)
    questions = QuestionOutput(many=True, read_only=True)

    class Meta:
        model = Event
        fields = ("id", "slug", "title", "title_en", "title_localized", "kind", "status", "description",
                  "description_en", "starts_at", "ends_at", "meeting_point", "meeting_lat", "meeting_lon", "county",
                  "registration_opens_at", "registration_closes_at", "registration_paused", "transfer_deadline",
                  "waiver_text", "categories", "questions")

    def get_title_localized(self, event) -> str:
        return localized(event, "title")


class EventListOutput(EventOutput):
    class Meta(EventOutput.Meta):
        fields = ("id", "slug", "title", "title_en", "title_localized", "kind", "status", "starts_at", "ends_at",
                  "county", "registration_opens_at", "registration_closes_at", "categories")


class RegistrationInput(serializers.Serializer):
    category = serializers.IntegerField()
    answers = serializers.DictField(required=False, default=dict)
    accept_waiver = serializers.BooleanField(default=False)
    id_consent = serializers.BooleanField(default=False, help_text="Separate consent to give the ID number for "
                                          "the event's insurance (required when an ID number is answered).")
    fill_profile = serializers.BooleanField(default=False, help_text="Fill a missing birth date and gender in the "
                                            "profile from the ID number.")
    code = serializers.CharField(required=False, default="", max_length=24, help_text="An entry code, if any.")
    coupon = serializers.CharField(required=False, default="", max_length=24,
                                   help_text="A coupon code, if any (not with an entry code).")
    addons = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False, default=dict,
                                   help_text="The sizes chosen: {add-on id: variant id}.")
    insurance = serializers.ChoiceField(choices=["", "event", "own"], required=False, default="",
                                        help_text="own: the rider's own insurance, where the event allows it.")

    def validate_addons(self, value: dict) -> dict[int, int]:
        try:
            return {int(key): variant for key, variant in value.items()}
        except ValueError as exc:
            raise serializers.ValidationError(_("Add-ons are named by their id.")) from exc


_FLAGS = ("accept_waiver", "id_consent", "fill_profile")


def registration_input(data) -> dict:
    """RegistrationInput's validated data (ValidationError as it raises it). A body of exactly the
    JSON types the schema names (an integer category, an object of answers, true/false flags, no
    code) is read directly: every sign-up of a rush sends one, and building the serializer's fields
    was a third of the sign-up view's own CPU (issue 27's profile). Anything else goes through
    RegistrationInput; tests/events/test_registration_output.py holds both equal."""
    if (type(data) is dict and type(data.get("category")) is int and type(data.get("answers", {})) is dict
            and all(type(data.get(flag, False)) is bool for flag in _FLAGS)
            and set(data) <= {"category", "answers", *_FLAGS}):
        return {"category": data["category"], "answers": dict(data.get("answers", {})),
                **{flag: data.get(flag, False) for flag in _FLAGS}, "code": "", "coupon": "", "addons": {},
                "insurance": ""}
    serializer = RegistrationInput(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CompanionInput(serializers.Serializer):
    real_name = serializers.CharField(max_length=60)
    gender = serializers.ChoiceField(choices=["female", "male"])
    date_of_birth = serializers.DateField()
    mobile = serializers.CharField(required=False, default="", max_length=20)
    answers = serializers.DictField(required=False, default=dict)


class FamilyRegistrationInput(serializers.Serializer):
    category = serializers.IntegerField()
    adult_rides = serializers.BooleanField(default=True)
    answers = serializers.DictField(required=False, default=dict, help_text="The adult's own answers.")
    companions = CompanionInput(many=True, required=False, default=list)
    friends = serializers.ListField(child=serializers.CharField(max_length=150), required=False, default=list,
                                    max_length=20, help_text="Usernames of friends with an account: a held seat "
                                                             "each, which they confirm themselves.")
    accept_waiver = serializers.BooleanField(default=False)
    guardian_consent = serializers.BooleanField(default=False)
    id_consent = serializers.BooleanField(default=False)


class TransferOfferOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    registration = serializers.IntegerField(source="registration_id")
    to = serializers.CharField(source="to_rider.username")


class TransferAcceptInput(serializers.Serializer):
    answers = serializers.DictField(required=False, default=dict)
    accept_waiver = serializers.BooleanField(default=False)
    id_consent = serializers.BooleanField(default=False)
    fill_profile = serializers.BooleanField(default=False)


class OrderSummary(serializers.Serializer):
    id = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    expires_at = serializers.DateTimeField()
    pay_url = serializers.CharField(allow_null=True)


class RegistrationOutput(serializers.Serializer):
    """A plain Serializer, not a ModelSerializer: this answers every sign-up of a rush, and
    building fields from model introspection on each call costs more than the sign-up's SQL."""

    id = serializers.IntegerField()
    event = serializers.CharField(source="event.slug")
    status = serializers.CharField()
    bib = serializers.SerializerMethodField()
    category = serializers.IntegerField(source="category_id")
    answers = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField(help_text="While the seat waits for payment: the order to pay.")
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField()
    finish_seconds = serializers.IntegerField(allow_null=True)

    def get_bib(self, registration: Registration) -> int | None:
        """The bib once the seat is the rider's (not while it waits for payment or confirmation)."""
        return registration.bib if registration.status == Registration.Status.CONFIRMED else None

    @extend_schema_field(OrderSummary(allow_null=True))
    def get_order(self, registration: Registration) -> dict | None:
        if registration.status != Registration.Status.AWAITING:
            return None
        owed = self.context.get("owed")  # a roster page read every unpaid order at once
        if owed is not None:
            return owed.get(registration.pk)
        return payments_port.seat_money.pending(registration=registration)

    def get_answers(self, registration) -> dict:
        return masked_answers(registration)


def masked_answers(registration: Registration) -> dict:
    """National ID numbers are masked everywhere but the organizer's insurance export."""
    if not registration.answers:
        return {}
    kinds = {q.key: q.kind for q in registration.event.questions.all()}
    return {k: mask(str(v)) if kinds.get(k) == Question.Kind.NATIONAL_ID else v
            for k, v in registration.answers.items()}


_WHEN = serializers.DateTimeField()
_ASK = object()


def _when(value, zone=_ASK):
    """An instant as a DateTimeField writes it (None stays None), without a serializer around it:
    in the current time zone, ISO 8601 with "Z" for UTC (DRF's default format; any other goes
    through the field). `zone` may be read once for a whole answer (_answer_zone: asgiref's
    locals are slow to ask)."""
    if value is None:
        return None
    if zone is _ASK:
        zone = _answer_zone()
    if zone is None:
        return _WHEN.to_representation(value)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _answer_zone():
    """The zone _when writes in, or None for DRF's own path (another format, naive times)."""
    iso = str(api_settings.DATETIME_FORMAT).lower() == ISO_8601
    return timezone.get_current_timezone() if iso and settings.USE_TZ else None


def registration_output(registration: Registration) -> dict:
    """RegistrationOutput's answer for one registration, built without a serializer: the sign-up
    answers thousands of riders a minute in a rush, and DRF copies and binds a serializer's twelve
    fields for every instance (a third of the sign-up view's own CPU, issue 27's profile).
    tests/events/test_registration_output.py holds it equal to RegistrationOutput's on every kind of
    seat; RegistrationOutput stays the documented schema."""
    status, zone = registration.status, _answer_zone()
    return {
        "id": registration.pk, "event": registration.event.slug, "status": status,
        "bib": registration.bib if status == Registration.Status.CONFIRMED else None,
        "category": registration.category_id, "answers": masked_answers(registration),
        "order": (registration.held_order or payments_port.seat_money.pending(registration=registration))
        if status == Registration.Status.AWAITING else None,
        "created_at": _when(registration.created_at, zone), "confirmed_at": _when(registration.confirmed_at, zone),
        "checked_in_at": _when(registration.checked_in_at, zone), "result": str(registration.result),
        "finish_seconds": registration.finish_seconds,
    }


class RosterOutput(RegistrationOutput):
    rider = serializers.SerializerMethodField()

    def get_rider(self, registration) -> dict:
        r = registration.rider
        return {"username": r.username, "display_name": r.display_name, "real_name": r.real_name, "mobile": r.mobile,
                "gender": r.gender, "date_of_birth": r.date_of_birth,
                "emergency_contact_name": r.emergency_contact_name,
                "emergency_contact_phone": r.emergency_contact_phone}


class SwitchInput(serializers.Serializer):
    category = serializers.IntegerField()


class PaymentRequiredOutput(serializers.Serializer):
    """A switch to a dearer category: pay the difference at pay_url, then the switch is made."""

    detail = serializers.CharField()
    code = serializers.CharField()
    pay_url = serializers.CharField()


class TransferInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class CheckinInput(serializers.Serializer):
    code = serializers.CharField(max_length=200)


class ScanInput(serializers.Serializer):
    nonce = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}$", help_text="The device's own id for this action: a "
                                   "resent one changes nothing.")
    action = serializers.ChoiceField(choices=CheckinScan.Action.choices)
    at = serializers.DateTimeField(help_text="When the device took the action (its own clock), not when it synced.")
    device = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    code = serializers.CharField(max_length=200, required=False, default="", allow_blank=True,
                                 help_text="The code in the rider's QR, as scanned or typed.")
    registration = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                            max_value=2**53, help_text="Or the entry, found by name, bib or phone.")
    bib = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=9_999_999,
                                   help_text="pickup: the number of the bib handed out (required where the category "
                                   "gives bibs at pick-up); rebib: the new bib for a lost one.")
    chips = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                  max_length=2, help_text="pickup: chip tags handed out, typed or scanned.")

    def validate(self, data: dict) -> dict:
        if not data["code"] and data["registration"] is None:
            raise serializers.ValidationError(_("Give the code or the entry."))
        data["chips"] = tuple(data["chips"])
        return data


class CheckinSyncInput(serializers.Serializer):
    scans = ScanInput(many=True, allow_empty=False, max_length=SYNC_LIMIT)


class ScanAnswerOutput(serializers.Serializer):
    nonce = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["applied", "duplicate", "refused"])
    reason = serializers.ChoiceField(choices=["", *(r.value for r in ScanReason)])
    message = serializers.CharField(help_text="The reason in the caller's language; empty when applied.")
    registration = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True, help_text="The entry's check-in or pick-up time now.")

    def to_representation(self, answer) -> dict:
        return {"nonce": answer.nonce, "outcome": answer.outcome, "reason": str(answer.reason),
                "message": str(SCAN_REASONS[answer.reason]) if answer.reason else "",
                "registration": answer.registration, "at": _when(answer.at)}


class CheckinSyncOutput(serializers.Serializer):
    results = ScanAnswerOutput(many=True)
    server_time = serializers.DateTimeField()


def code_hash(code: str) -> str:
    """What a device compares a scanned or typed code with: SHA-256 of the code without spaces or
    hyphens, in capitals, so a lost phone's list does not hand out the codes themselves."""
    return hashlib.sha256(re.sub(r"[\s-]", "", code).upper().encode()).hexdigest()


class DeviceEntry(serializers.Serializer):
    """One entry as a check-in device keeps it: the name to compare with the ID card, the last 4 of
    the ID number and of the phone (to search by), bib, category, status, the times so far."""

    registration = serializers.IntegerField()
    name = serializers.CharField()
    bib = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    status = serializers.CharField()
    id_last4 = serializers.CharField()
    phone_last4 = serializers.CharField()
    code_hash = serializers.CharField(help_text="SHA-256 of the current check-in code without spaces or hyphens, "
                                      "in capitals; empty when the entry is not confirmed.")
    chips = serializers.ListField(child=serializers.CharField(), help_text="Its timing chips' tags (one or two).")
    bib_at = serializers.ChoiceField(choices=Category.BibAt.choices, help_text="When its category gives bibs: at "
                                     "pickup the device asks for the number of the bib handed out.")
    wave = serializers.CharField(help_text="The rider's start wave (empty: none).")
    wave_starts_at = serializers.DateTimeField(allow_null=True)
    proxy_name = serializers.CharField(help_text="Someone the rider authorised to pick the kit up (empty: nobody).")
    proxy_phone_last4 = serializers.CharField(help_text="The last 4 digits of that person's mobile.")
    kit = serializers.ListField(child=serializers.CharField(), help_text="The add-ons to hand out with the kit, "
                                "each with its size (\"骑行服 L\").")
    checked_in_at = serializers.DateTimeField(allow_null=True)
    picked_up_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, r: Registration) -> dict:
        ids = self.context.get("id_questions", [])
        number = next((str(r.answers[k]) for k in ids if r.answers.get(k)), "")
        confirmed = r.status == Registration.Status.CONFIRMED
        return {"registration": r.pk, "name": r.rider.real_name or str(r.rider), "bib": r.bib,
                "category": localized(r.category, "name"), "status": r.status, "id_last4": number[-4:],
                "phone_last4": (r.rider.mobile or "")[-4:],
                "code_hash": code_hash(checkin_code(r)) if confirmed else "",
                "chips": sorted(c.tag for c in r.chips.all()), "bib_at": r.category.bib_at,
                "proxy_name": r.proxy_name, "proxy_phone_last4": r.proxy_mobile[-4:],
                "kit": [f"{localized(i.addon, 'name')} {i.variant.label}" for i in r.items.all()
                        if i.refunded_at is None],
                "wave": r.wave.name if r.wave else "", "wave_starts_at": _when(r.wave.starts_at) if r.wave else None,
                "checked_in_at": _when(r.checked_in_at), "picked_up_at": _when(r.picked_up_at)}


class DeviceListOutput(serializers.Serializer):
    cursor = serializers.CharField(help_text="Send it back as `since` to get only what changed after this list.")
    full = serializers.BooleanField()
    entries = DeviceEntry(many=True)

    def to_representation(self, listing) -> dict:
        return {"cursor": listing.cursor, "full": listing.full, "entries": list(device_entries(listing))}


def device_entries(listing, *, batch: int = 500) -> Iterator[dict]:
    """The entries of a device list (DeviceEntry), read `batch` at a time with their chips and kit
    (issue 27: the whole list of 5,000 riders was built at once, 65 MB at its peak)."""
    entry = DeviceEntry(context={"id_questions": listing.id_questions})
    for registration in listing.entries.iterator(chunk_size=batch):
        yield entry.to_representation(registration)
        # its chips and kit items point back at it: let them go now, not when the collector runs
        registration._prefetched_objects_cache = {}


class CheckinOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[o.value for o in CheckinOutcome])
    at = serializers.DateTimeField(allow_null=True)
    registration = serializers.IntegerField(required=False, help_text="Absent when the code is invalid.")
    bib = serializers.IntegerField(required=False, allow_null=True, help_text="Absent when the code is invalid.")

    def to_representation(self, result) -> dict:
        body = {"outcome": str(result.outcome), "at": _when(result.at)}
        if result.registration:
            body |= {"registration": result.registration.pk, "bib": result.registration.bib}
        return body


class ResultRowOutput(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    gender_rank = serializers.IntegerField(allow_null=True)
    bib = serializers.IntegerField(source="registration.bib", allow_null=True)
    name = serializers.SerializerMethodField(help_text="Null when the rider keeps their name private.")
    result = serializers.CharField(source="registration.result")
    finish_seconds = serializers.IntegerField(source="registration.finish_seconds", allow_null=True)

    def get_name(self, row) -> str | None:
        rider = row.registration.rider
        return rider.public_name if rider.show_name_publicly else None


class ResultsCategoryOutput(serializers.Serializer):
    category = serializers.IntegerField(source="category.pk")
    name = serializers.CharField(source="category.name")
    results = ResultRowOutput(many=True, source="rows")

