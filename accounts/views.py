"""Profile pages: the rider's own editable profile and the public profile of anyone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm
from accounts.selectors import api_token_of, rider_public_get
from accounts.services import PROFILE_FIELDS, feed_token, profile_update


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **{name: form.cleaned_data[name] for name in PROFILE_FIELDS})
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {
        "form": form, "api_token": api_token_of(user=request.user),
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
    return render(request, "accounts/rider_public.html", {"rider": rider})
