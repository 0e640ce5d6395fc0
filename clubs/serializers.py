"""Club API shapes; what a roster shows depends on the viewer's level."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clubs.models import Club, Membership
from clubs.services import MEMBER_ACTIONS
from core.i18n import localized


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


class ClubDetailOutput(ClubOutput):
    my_membership = serializers.SerializerMethodField(help_text="The caller's membership, or null.")

    class Meta(ClubOutput.Meta):
        fields = (*ClubOutput.Meta.fields, "my_membership")

    @extend_schema_field(MembershipOutput(allow_null=True))
    def get_my_membership(self, club) -> dict | None:
        membership = self.context.get("membership")
        return MembershipOutput(membership).data if membership else None


class RosterRowOutput(serializers.Serializer):
    """One member as the viewer may see them: the public see names; members also usernames and
    roles; admins also contact, emergency contact and dues."""

    MEMBER_FIELDS = ("id", "username", "role")
    ADMIN_FIELDS = ("real_name", "mobile", "email", "emergency_contact_name", "emergency_contact_phone",
                    "paid_until")

    name = serializers.CharField(source="user.public_name")
    id = serializers.IntegerField(source="pk", required=False)
    username = serializers.CharField(source="user.username", required=False)
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    # contact details only with the member's consent (Membership.contact): "" without it
    real_name = serializers.CharField(source="contact.real_name", required=False)
    mobile = serializers.CharField(source="contact.mobile", required=False)
    email = serializers.CharField(source="contact.email", required=False)
    emergency_contact_name = serializers.CharField(source="contact.emergency_contact_name", required=False)
    emergency_contact_phone = serializers.CharField(source="contact.emergency_contact_phone", required=False)
    paid_until = serializers.DateField(required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        level = self.context.get("level")
        shown = {"name", *(self.MEMBER_FIELDS if level in ("member", "admin") else ()),
                 *(self.ADMIN_FIELDS if level == "admin" else ())}
        return {name: field for name, field in fields.items() if name in shown}


class ClubRosterOutput(serializers.Serializer):
    level = serializers.ChoiceField(choices=["admin", "member", "public"], allow_null=True)
    members = serializers.SerializerMethodField()

    @extend_schema_field(RosterRowOutput(many=True))
    def get_members(self, roster) -> list:
        if roster.level is None:
            return []
        return RosterRowOutput(roster.memberships, many=True, context={"level": roster.level}).data


class CreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()


class ClubRideCreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()


class TeamEntryRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="rider.username")
    bib = serializers.IntegerField(allow_null=True)


class TeamEntryOutput(serializers.Serializer):
    registrations = TeamEntryRowOutput(many=True)


class MemberActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=MEMBER_ACTIONS)
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    paid_until = serializers.DateField(required=False, allow_null=True)


class ApplyInput(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    share_contact = serializers.BooleanField(required=False, default=False,
                                             help_text="Consent: the club's admins see real name, mobile, e-mail "
                                                       "and emergency contact.")


class InvitationInput(serializers.Serializer):
    accept = serializers.BooleanField()
    share_contact = serializers.BooleanField(required=False, default=False)


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
