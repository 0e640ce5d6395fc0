"""allauth's account adapter, adjusted: the client address behind the proxy; failed-login limits
per address and account, so that failures from one address never lock the account out for its
owner elsewhere; and the phone: sign-up, login and verification by SMS code (core/sms.py), a
number being a login only once verified, mainland numbers typed as 11 digits."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from allauth.core.exceptions import RateLimited
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.validators import normalize_phone
from core import outbox, sms
from core.http import client_ip

log = logging.getLogger(__name__)


class MobileField(PhoneField):
    """allauth's phone field, reading mainland numbers as riders type them (13812345678) and
    opening the phone's number pad."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["validators"] = []
        kwargs.setdefault("label", gettext_lazy("Mobile number"))
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"type": "tel", "inputmode": "tel", "autocomplete": "tel",
                                  "placeholder": "13812345678"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalize_phone(value) if value else value


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # the login_failed limit's window is 5 minutes a login (settings.ACCOUNT_RATE_LIMITS): say so
        "too_many_login_attempts": gettext_lazy(
            "Too many failed log-ins for this account. Try again in 5 minutes, or log in with a code by text "
            "message."),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails (verification, password reset) go through the outbox like every other:
        an SMTP or Redis outage delays them, never fails the page."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        outbox.enqueue_message(self.render_mail(template_prefix, email, ctx),
                               kind=template_prefix.rsplit("/", 1)[-1])

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """After "forgot your password? get a code", the code sign-in goes on to the new password."""
        then = request.session.pop("accounts.after_code_sign_in", None)
        return then or super().get_login_redirect_url(request)

    def save_user(self, request: HttpRequest, user: AbstractBaseUser, form: Any, commit: bool = True) -> Any:
        """Sign-up verifies the number by an SMS sent right after the account is saved: when that SMS
        would be over its limit, refuse before saving, so a refused sign-up leaves no account
        behind (core.ratelimits answers 429 in words)."""
        phone = getattr(form, "cleaned_data", {}).get("phone")
        if commit and phone and not ratelimit.consume(request, action="verify_phone", key=phone, dry_run=True):
            raise RateLimited
        return super().save_user(request, user, form, commit=commit)

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys "5 failures per 5 minutes" on the login alone: anyone could lock any
        # account. Keyed on (address, login) the limit stops guessing from one place only;
        # the per-address limit (ACCOUNT_RATE_LIMITS["login_failed"]) bounds each guesser.
        return f"{client_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"

    # -- the phone (allauth's phone support) -------------------------------------------------

    def phone_form_field(self, **kwargs: Any) -> Any:
        return MobileField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def _sms(self, phone: str, kind: str, text: str, params: dict) -> None:
        """Send now, within the limits core.sms.claim keeps in the database (they hold while Redis
        is down); a limit reached or a provider failure is told to the rider in their language,
        and nothing is said about whether the number has an account ("no account" is sent once a
        day a number, the rest of the day silently not)."""
        request = allauth_context.request
        address = client_ip(request) if request is not None else ""
        try:
            sms.send(sms.Sms(phone=phone, kind=kind, params=params, text=text, address=address))
        except sms.SmsCapReached as reached:
            if reached.limit == "no_account":
                return
            self._tell({
                "number-day": _("Too many text messages went to this number today. Try again tomorrow, or sign in "
                                "with your password."),
                "number": _("Too many codes were asked for this number just now. Try again in a minute."),
            }.get(reached.limit, _("Too many text messages were asked for from your network. Try again later, or "
                                   "sign in with your password.")))
        except sms.SmsError as error:
            log.warning("SMS %s not sent: %s", kind, error)
            self._tell(_("The text message could not be sent just now. Try again in a minute."))

    def _tell(self, text: str) -> None:
        request = allauth_context.request
        if request is not None and hasattr(request, "_messages"):
            messages.error(request, text)

    def send_verification_code_sms(self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any) -> None:
        self._sms(phone, "code", _("Your Xingtai Cycling code is %(code)s. It expires in 15 minutes; never tell "
                                   "it to anyone.") % {"code": code}, {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        self._sms(phone, "no_account", _("Someone asked for a Xingtai Cycling sign-in code for this number, which has "
                                         "no account. Sign up on the site if it was you."), {})

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._sms(phone, "account_exists", _("Someone tried to sign up at Xingtai Cycling with this number, which "
                                             "already has an account. Sign in or reset your password."), {})

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        assert isinstance(user, User)  # noqa: S101 - allauth hands us our own user model
        user.phone, user.phone_verified = phone, verified
        user.mobile = user.mobile or phone  # the contact number too, unless the rider gave another
        if user.pk:
            user.save(update_fields=["phone", "phone_verified", "mobile"])

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        assert isinstance(user, User)  # noqa: S101
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        assert isinstance(user, User)  # noqa: S101
        # the number now signs in to this account: any other account's claim to it lapses
        User.objects.filter(phone=phone, phone_verified=True).exclude(pk=user.pk).update(phone_verified=False)
        user.phone, user.phone_verified = phone, True
        user.mobile = user.mobile or phone
        user.save(update_fields=["phone", "phone_verified", "mobile"])

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        """Only a verified number identifies an account (anyone can type any number in a profile)."""
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone, phone_verified=True, is_active=True).first()

