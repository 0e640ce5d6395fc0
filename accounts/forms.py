"""Profile form for the rider's own page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import HomeArea, User
from accounts.services import PROFILE_FIELDS
from accounts.validators import normalize_phone


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        phone = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "mobile": phone, "emergency_contact_phone": phone}

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile", "")
        return normalize_phone(value) if value else ""

    def clean_emergency_contact_phone(self) -> str:
        value = self.cleaned_data.get("emergency_contact_phone", "")
        return normalize_phone(value) if value else ""

    def clean(self) -> dict:
        data = super().clean()
        if data.get("home_area") == HomeArea.OTHER and not data.get("home_area_other"):
            self.add_error("home_area_other", _("Tell us your home city."))
        elif data.get("home_area") != HomeArea.OTHER:
            data["home_area_other"] = ""
        return data
