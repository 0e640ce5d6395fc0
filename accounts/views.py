"""Profile pages: the rider's own editable profile and the public profile of anyone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.selectors import rider_public_get
from accounts.services import PROFILE_FIELDS, profile_update


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **{name: form.cleaned_data[name] for name in PROFILE_FIELDS})
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


def rider_public(request: HttpRequest, username: str) -> HttpResponse:
    rider = rider_public_get(username=username)
    return render(request, "accounts/rider_public.html", {"rider": rider})
