"""The timing API's input and output shapes (docs/raceday.md, "Timing")."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from timing import formats

MAX_PASSINGS = 5_000


class PassingInput(serializers.Serializer):
    code = serializers.CharField(max_length=formats.MAX_CODE, help_text="The chip tag, or the bib.")
    point = serializers.CharField(
        max_length=40, required=False, default="",
        help_text="The timing point (a checkpoint's point or name); the batch's when left out.")
    time = serializers.DateTimeField(help_text="ISO 8601 with its UTC offset, e.g. 2026-05-01T08:31:22.450+08:00.")
    number = serializers.IntegerField(min_value=0, max_value=2**62, required=False, allow_null=True,
                                      help_text="The device's passing number: a passing sent again is known by it.")


class PassingsInput(serializers.Serializer):
    device = serializers.CharField(max_length=40, help_text="The decoder's or forwarder's name.")
    point = serializers.CharField(max_length=40, required=False, default="",
                                  help_text="The timing point of every passing of the batch.")
    format = serializers.ChoiceField(choices=formats.FORMATS, required=False,
                                     help_text="The format of `lines` (a timing system's own lines).")
    lines = serializers.CharField(required=False, trim_whitespace=False, max_length=262_144)
    passings = PassingInput(many=True, required=False, max_length=MAX_PASSINGS)

    def validate(self, data: dict) -> dict:
        if bool(data.get("lines")) == bool(data.get("passings")):
            raise serializers.ValidationError(gettext_lazy("Send either `lines` with their `format`, or `passings`."))
        if data.get("lines") and not data.get("format"):
            raise serializers.ValidationError({"format": [gettext_lazy("Say which format the lines are in.")]})
        return data


class PassingsOutput(serializers.Serializer):
    received = serializers.IntegerField()
    new = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    unknown_codes = serializers.ListField(child=serializers.CharField(),
                                          help_text="Chips or bibs no rider holds: stored, matched once they are.")
    unknown_points = serializers.ListField(child=serializers.CharField())
    last_number = serializers.IntegerField(allow_null=True)


class ResumeOutput(serializers.Serializer):
    device = serializers.CharField()
    passings = serializers.IntegerField()
    last_number = serializers.IntegerField(allow_null=True, help_text="Send again from the next number.")


class SplitOutput(serializers.Serializer):
    checkpoint = serializers.CharField(source="checkpoint.name")
    distance_m = serializers.IntegerField(source="checkpoint.distance_m")
    seconds = serializers.IntegerField(allow_null=True)


class LiveRowOutput(serializers.Serializer):
    bib = serializers.IntegerField(source="registration.bib", allow_null=True)
    name = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    missed = serializers.CharField(source="missed.name", allow_null=True, default=None)
    rank = serializers.IntegerField(source="result.rank", allow_null=True)
    rank_gender = serializers.IntegerField(source="result.rank_gender", allow_null=True)
    rank_age = serializers.IntegerField(source="result.rank_age", allow_null=True)
    age_group = serializers.CharField(source="result.age_group")
    gun_seconds = serializers.IntegerField(source="result.gun_seconds", allow_null=True)
    chip_seconds = serializers.IntegerField(source="result.chip_seconds", allow_null=True)
    last_checkpoint = serializers.CharField(source="result.last_checkpoint.name", allow_null=True, default=None)
    splits = SplitOutput(many=True)

    def get_name(self, row) -> str | None:
        rider = row.registration.rider
        return rider.public_name if rider.show_name_publicly else None


class LiveCategoryOutput(serializers.Serializer):
    category = serializers.CharField(source="category.name")
    rows = LiveRowOutput(many=True)


class LiveResultsOutput(serializers.Serializer):
    changed_at = serializers.DateTimeField(allow_null=True)
    count = serializers.IntegerField(help_text="Rows on every page.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    categories = LiveCategoryOutput(many=True, help_text="This page's rows under their categories.")


class FixInput(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the phone took it (ISO 8601 with its offset).")
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(min_value=0, max_value=100_000, required=False, allow_null=True)


class PositionsInput(serializers.Serializer):
    positions = FixInput(many=True, max_length=500, allow_empty=False)


class PositionsOutput(serializers.Serializer):
    new = serializers.IntegerField()


class SosOutput(serializers.Serializer):
    received_at = serializers.DateTimeField()
    texted = serializers.BooleanField(help_text="The organizer's emergency phone is set (the SMS goes to it).")
