"""Club forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clubs.models import Club, Membership
from clubs.services import MEMBER_ACTIONS
from core.money import YuanField
from events.forms import DATETIME
from routes.models import Route


class ClubForm(forms.ModelForm):
    class Meta:
        model = Club
        fields = ("name", "name_en", "description", "description_en", "home_area", "contact", "join_policy",
                  "member_list_visibility", "dues_months")
        widgets = {"description": forms.Textarea(attrs={"rows": 4}),
                   "description_en": forms.Textarea(attrs={"rows": 4})}

    dues_cny = YuanField(label=_("dues (CNY)"), required=False, help_text=_("0: the club collects no dues online."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["dues_months"].required = False  # empty: a year
        self.initial.setdefault("dues_cny", self.instance.dues_fen)
        # the yuan field where the model's dues field was
        self.order_fields([*(n for n in self.fields if n not in ("dues_cny", "dues_months")), "dues_cny",
                           "dues_months"])

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        cleaned["dues_fen"] = cleaned.pop("dues_cny", None) or 0
        return cleaned

    def clean_dues_months(self) -> object:
        return self.cleaned_data.get("dues_months") or 12


SHARE_CONTACT_LABEL = _("Let the club's admins see my real name, mobile number, e-mail and emergency contact "
                        "(for club rides and emergencies). Without this they see only my public name. I can change "
                        "this on the club page at any time.")


class ApplyForm(forms.Form):
    message = forms.CharField(label=_("message to the admins"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    share_contact = forms.BooleanField(label=SHARE_CONTACT_LABEL, required=False)


class MemberActionForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(a, a) for a in MEMBER_ACTIONS])
    role = forms.ChoiceField(choices=Membership.Role.choices, required=False)
    paid_until = forms.DateField(required=False)


class AddMemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)


class AnnouncementForm(forms.Form):
    subject = forms.CharField(label=_("subject"), max_length=200)
    body = forms.CharField(label=_("message"), widget=forms.Textarea(attrs={"rows": 6}))


class ClubRideForm(forms.Form):
    title = forms.CharField(label=_("title (Chinese)"), max_length=160)
    title_en = forms.CharField(label=_("title (English)"), max_length=160, required=False)
    description = forms.CharField(label=_("description (Chinese)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    route = forms.ModelChoiceField(label=_("route"), queryset=Route.objects.none(), required=False)
    pace = forms.CharField(label=_("pace / level"), max_length=80, required=False)
    meeting_point = forms.CharField(label=_("meeting point"), max_length=200, required=False)
    meeting_lat = forms.FloatField(label=_("meeting point latitude"), required=False, min_value=-90, max_value=90)
    meeting_lon = forms.FloatField(label=_("meeting point longitude"), required=False, min_value=-180, max_value=180)
    starts_at = forms.DateTimeField(label=_("starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends"), widget=DATETIME)
    registration_closes_at = forms.DateTimeField(label=_("registration closes"), widget=DATETIME)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=10_000)
    members_only = forms.BooleanField(label=_("only for members of the club"), required=False, initial=True)

    def __init__(self, *args, routes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if routes is not None:
            self.fields["route"].queryset = routes


class TeamEntryForm(forms.Form):
    category = forms.IntegerField(label=_("category id"), widget=forms.HiddenInput)
    members = forms.ModelMultipleChoiceField(label=_("members"), queryset=None,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members_queryset
        self.fields["members"].label_from_instance = lambda u: u.real_name or u.public_name
