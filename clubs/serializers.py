"""Club API shapes; what a roster shows depends on the viewer's level."""

from rest_framework import serializers

from clubs.models import Club, Membership
from cycling.i18n import localized


class ClubInput(serializers.ModelSerializer):
    class Meta:
        model = Club
        fields = ("name", "name_en", "description", "description_en", "home_area", "contact", "join_policy",
                  "member_list_visibility")


class ClubOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()

    class Meta:
        model = Club
        fields = ("id", "slug", "name", "name_en", "title", "description", "description_en", "home_area", "contact",
                  "join_policy", "member_list_visibility")

    def get_title(self, club) -> str:
        return localized(club, "name")


class MembershipOutput(serializers.ModelSerializer):
    club = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ("id", "club", "username", "role", "state", "applied_at", "decided_at")


def roster_row(membership: Membership, level: str) -> dict:
    user = membership.user
    row = {"name": user.public_name}
    if level in ("member", "admin"):
        row |= {"id": membership.pk, "username": user.username, "role": membership.role}
    if level == "admin":
        row |= {"real_name": user.real_name, "mobile": user.mobile, "email": user.email,
                "emergency_contact_name": user.emergency_contact_name,
                "emergency_contact_phone": user.emergency_contact_phone, "paid_until": membership.paid_until}
    return row


class MemberActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "reject", "remove", "role", "dues"])
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    paid_until = serializers.DateField(required=False, allow_null=True)


class AnnouncementInput(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()


class TeamEntryInput(serializers.Serializer):
    event = serializers.CharField()
    category = serializers.IntegerField()
    members = serializers.ListField(child=serializers.CharField(max_length=150), min_length=1)


class ClubRideInput(serializers.Serializer):
    title = serializers.CharField(max_length=160)
    title_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    route = serializers.IntegerField(required=False, allow_null=True)
    pace = serializers.CharField(max_length=80, required=False, allow_blank=True)
    meeting_point = serializers.CharField(max_length=200, required=False, allow_blank=True)
    meeting_lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    meeting_lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    registration_closes_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=10_000)
    members_only = serializers.BooleanField(default=True)
