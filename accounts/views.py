"""Profile pages: the rider's own editable profile and the public profile of anyone."""

import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import AccountDeleteForm, ProfileForm
from accounts.selectors import api_token_of, rider_public_get
from accounts.services import PROFILE_FIELDS, feed_token, profile_update
from accounts.signals import own_profile_sections, rider_page_sections
from core.signals import replies


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **{name: form.cleaned_data[name] for name in PROFILE_FIELDS})
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {
        "form": form, "api_token": api_token_of(user=request.user),
        "sections": replies(own_profile_sections, user=request.user),
        "wechat_login": bool(settings.SOCIALACCOUNT_PROVIDERS.get("weixin", {}).get("APPS")),
        "feed_url": request.build_absolute_uri(reverse("events:feed", args=[feed_token(request.user)])),
    })


@login_required
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    services.feed_rotate(user=request.user)
    messages.success(request, _("Your calendar link was renewed; the old link no longer works."))
    return redirect(reverse("accounts:profile") + "#access")


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    services.api_token_revoke(user=request.user)
    messages.success(request, _("Your API token was revoked; apps using it are signed out."))
    return redirect(reverse("accounts:profile") + "#access")


def rider_public(request: HttpRequest, username: str) -> HttpResponse:
    rider = rider_public_get(username=username)
    sections = replies(rider_page_sections, rider=rider, viewer=request.user)
    return render(request, "accounts/rider_public.html", {"rider": rider, "sections": sections})


CODE_SIGN_IN_FRESH = 15 * 60  # seconds an SMS sign-in allows a new password without the old one


def _signed_in_by_code_lately(request: HttpRequest) -> bool:
    from allauth.account.internal.flows.login import get_authentication_records  # noqa: PLC0415

    records = get_authentication_records(request, request.user)
    last = records[-1] if records else None
    return bool(last and last.get("method") == "code" and time.time() - last.get("at", 0) < CODE_SIGN_IN_FRESH)


@login_required
def password_new(request: HttpRequest) -> HttpResponse:
    """Password reset by SMS: a rider who signed in with a code texted to their number (or e-mailed)
    sets a new password without the old one, for a short while after; anyone else changes it with
    the old one (allauth's page)."""
    if not _signed_in_by_code_lately(request):
        return redirect("account_change_password")
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your new password is set."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_new.html", {"form": form})


AFTER_CODE_SIGN_IN = "accounts.after_code_sign_in"  # read by AccountAdapter.get_login_redirect_url


def password_forgot(request: HttpRequest) -> HttpResponse:
    """"Forgot your password?" by SMS: a sign-in code to the rider's number (allauth's login by
    code), then straight to choosing a new password."""
    request.session[AFTER_CODE_SIGN_IN] = reverse("accounts:password-new")
    return redirect("account_request_login_code")


@login_required
def data_download(request: HttpRequest) -> HttpResponse:
    """Everything the platform holds about the rider, as one JSON file (PIPL)."""
    data = services.account_data(user=request.user)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="xingtai-cycling-{request.user.pk}.json"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account: the rider types their username and their password (or, without one,
    the word the page asks for). Personal data is erased; registrations stay anonymised."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for riding with us."))
        return redirect("home")
    return render(request, "accounts/account_delete.html",
                  {"form": form, "consequences": services.account_delete_preview(user=request.user)})
