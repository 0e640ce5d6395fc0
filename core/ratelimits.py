"""Every rate limit answers in words (issue 25): a page in our layout, or 429 JSON under /api/, that says
what happened and after how long to try again, with a Retry-After header. allauth's own limits reach
here two ways: its views answer through `handler429` (cycling/urls.py), and the phone verification
flow raises `RateLimited`, which `RateLimitedAnswer` turns into the same answer instead of a 500."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULT_WAIT = 300  # a limit we cannot name: the longest window of our per-minute limits (5 minutes)

# The allauth actions whose limits a page meets (the URL's name decides which window applies).
ACTIONS = {
    "account_login": ("login", "login_failed", "verify_phone"),
    "account_signup": ("signup", "verify_phone"),
    "account_request_login_code": ("request_login_code",),
    "account_confirm_login_code": ("request_login_code",),
    "account_reset_password": ("reset_password",),
    "account_verify_phone": ("verify_phone",),
    "account_change_phone": ("change_phone", "verify_phone"),
    "account_change_password": ("change_password",),
    "account_email": ("manage_email", "confirm_email"),
}


def window(rates: str) -> int:
    """The longest window, in seconds, of an allauth rate string such as "10/m/ip,5/5m/key"."""
    longest = 0
    for rate in filter(None, (part.strip() for part in rates.split(","))):
        match = re.fullmatch(r"\d+/(\d*)([smhd])(?:/\w+)?", rate)
        if match:
            longest = max(longest, int(match.group(1) or 1) * UNITS[match.group(2)])
    return longest


def wait_for(request: HttpRequest, actions: tuple[str, ...] | None = None) -> int:
    """Seconds after which every limit the request met has let go (an upper bound)."""
    from allauth.account import app_settings  # noqa: PLC0415 (allauth's settings read at call time)

    if actions is None:
        match = getattr(request, "resolver_match", None)
        actions = ACTIONS.get(match.url_name if match else "", ())
    seconds = [window(app_settings.RATE_LIMITS.get(action) or "") for action in actions]
    return max(seconds, default=0) or DEFAULT_WAIT


def wait_words(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def too_many_requests(request: HttpRequest, exception: Exception | None = None,
                      actions: tuple[str, ...] | None = None) -> HttpResponse:
    seconds = wait_for(request, actions)
    message = _("Too many attempts in a short time. Nothing was changed. Please try again in %(wait)s.") % {
        "wait": wait_words(seconds)}
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"detail": message, "code": "throttled", "retry_after": seconds},
                                              status=429)
    else:
        response = render(request, "429.html", {"message": message, "seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class RateLimitedAnswer:
    """allauth's phone verification raises RateLimited mid-flow (after sign-up or at log-in): answer
    429 in words rather than 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from allauth.core.exceptions import RateLimited  # noqa: PLC0415 (allauth loads after settings)

        if isinstance(exception, RateLimited):
            return too_many_requests(request, actions=("verify_phone",))
        return None
