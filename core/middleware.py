"""Development only: absolute links in e-mails follow the address the site is served at."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SiteUrlFromRequest:
    """With DEBUG on and no SITE_URL in the environment, the first request tells where the site
    runs (`runserver 0.0.0.0:9000` included), so links in e-mails sent by this process point there.
    In production SITE_URL comes from the environment and this does nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SITE_URL_FROM_REQUEST:
            settings.SITE_URL = request.build_absolute_uri("/").rstrip("/")
        return self.get_response(request)
