"""allauth's weixin provider, for both ways riders sign in with WeChat:

- on a desktop, the open platform's website app: a QR code page (qrconnect, scope snsapi_login);
- inside WeChat on a phone, the official account's web authorization (oauth2/authorize, scope
  snsapi_userinfo, "#wechat_redirect"), with its own app id when one is set.

The account is keyed on the unionid when WeChat sends one (the same person through both apps),
else the openid. On only when WECHAT_LOGIN_APP_ID and its secret are set (settings)."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.weixin.client import WeixinOAuth2Client
from allauth.socialaccount.providers.weixin.provider import WeixinAccount, WeixinProvider
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.http import HttpRequest

IN_APP_AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"


def in_wechat(request: HttpRequest | None) -> bool:
    return request is not None and "MicroMessenger" in request.headers.get("User-Agent", "")


class WeChatClient(WeixinOAuth2Client):
    def get_redirect_url(self, authorization_url: str, scope: Any, extra_params: Any) -> str:
        url = super().get_redirect_url(authorization_url, scope, extra_params)
        return f"{url}#wechat_redirect" if authorization_url == IN_APP_AUTHORIZE else url


class WeChatAdapter(WeixinOAuth2Adapter):
    client_class = WeChatClient

    @property
    def authorize_url(self) -> str:
        return IN_APP_AUTHORIZE if in_wechat(self.request) else super().authorize_url


class WeChatProvider(WeixinProvider):
    account_class = WeixinAccount
    oauth2_adapter_class = WeChatAdapter

    def get_scope_from_request(self, request: HttpRequest) -> list[str]:
        return ["snsapi_userinfo"] if in_wechat(request) else ["snsapi_login"]

    def extract_uid(self, data: dict) -> str:
        return str(data.get("unionid") or data["openid"])


provider_classes = [WeChatProvider]
