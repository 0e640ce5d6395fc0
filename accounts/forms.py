"""Forms of accounts: the rider's own profile, and the phone-first sign-up."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import HomeArea, User
from accounts.services import PROFILE_FIELDS
from accounts.validators import normalize_phone

# allauth labels its one-time-code fields "Code" (SMS and e-mail codes): kept in our catalogue so that
# zh-hans reads 验证码, not allauth's 代码 (entry codes use the context "entry code": 报名码).
ONE_TIME_CODE = gettext_noop("Code")


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


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, phone first: a mobile number is required (verified by an SMS code right
    after), e-mail optional."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        self.fields["phone"].help_text = _("We text you a code to check it. You sign in with it.")
        if "email" in self.fields:
            self.fields["email"].help_text = _("Optional: for receipts and event messages by e-mail.")
        order = ["phone", "username", "email", "password1", "password2"]
        self.order_fields(order + [name for name in self.fields if name not in order])
        self.taken_email = ""

    def validate_unique_email(self, value: str) -> str:
        """An address that already has an account is not an error here (that would tell anyone
        whether an address is registered): the new account is made without it, and the
        address's owner gets a notice instead."""
        from allauth.account.models import EmailAddress  # noqa: PLC0415

        if EmailAddress.objects.filter(email__iexact=value).exists() or User.objects.filter(
                email__iexact=value).exists():
            self.taken_email = value
            self.account_already_exists = False
            return ""
        return super().validate_unique_email(value)

    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        if self.taken_email:
            get_adapter().send_account_already_exists_mail(self.taken_email)
        return user


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """allauth's form for a login code, asking for a phone number or an e-mail address: submitted
    with neither it was valid and the view then failed (no user looked up: a 500). Now it says what
    to fill in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._user = None

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Enter your phone number or your e-mail address."), code="required")
        return cleaned


class AccountDeleteForm(forms.Form):
    username = forms.CharField(label=_("Type your username to confirm"))
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, required=False)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if value != self.user.username:
            raise forms.ValidationError(_("That is not your username."))
        return value

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password", "")
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The password is not right."))
        return value
