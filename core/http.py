"""The client's address behind our proxies, for every rate limit (allauth's and ours).

TRUSTED_PROXY_COUNT (environment; also given to allauth as ALLAUTH_TRUSTED_PROXY_COUNT) is how
many proxies in front of the app append to X-Forwarded-For. The address is the entry that many
places from the right: what the outermost trusted proxy saw. Entries further left are the
client's to forge. A request that arrives with fewer entries (it did not come through the proxy)
is keyed on the socket address, never an error."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    count = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.headers.get("x-forwarded-for", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, never bound
