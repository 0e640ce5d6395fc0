"""allauth's social account adapter: inside WeChat the official account's app (WECHAT_MP_APP_ID)
signs the rider in, elsewhere the website app; a WeChat sign-in never makes an account by itself
without a verified mobile number: the rider signs up (the number, the SMS code) with WeChat linked."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import Http404, HttpRequest

from accounts.wechat.provider import in_wechat


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request: HttpRequest, provider: Any, client_id: Any = None) -> Any:
        apps = self.list_apps(request, provider=provider, client_id=client_id)
        if not apps:  # WeChat login not switched on here: no such page
            raise Http404
        if client_id is None and len(apps) > 1:
            wanted = "in_app" if in_wechat(request) else "website"
            chosen = [app for app in apps if app.settings.get("kind") == wanted]
            if chosen:
                return chosen[0]
        return super().get_app(request, provider, client_id=client_id)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False  # the sign-up form asks for the mobile number (and sends the code)
