"""allauth's account adapter, adjusted: the client address behind the proxy, and failed-login
limits per address and account, so that failures from one address never lock the account out
for its owner elsewhere."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from core import outbox
from core.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails (verification, password reset) go through the outbox like every other:
        an SMTP or Redis outage delays them, never fails the page."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        outbox.enqueue_message(self.render_mail(template_prefix, email, ctx),
                               kind=template_prefix.rsplit("/", 1)[-1])

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys "5 failures per 5 minutes" on the login alone: anyone could lock any
        # account. Keyed on (address, login) the limit stops guessing from one place only;
        # the per-address limit (ACCOUNT_RATE_LIMITS["login_failed"]) bounds each guesser.
        return f"{client_ip(request)}:{super()._get_login_attempts_cache_key(request, **credentials)}"
