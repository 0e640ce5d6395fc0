"""Payment providers behind one interface (base.py): the development gateway, WeChat Pay API v3,
Alipay, and offline payments an organizer records. Which are on is decided by settings alone
(a merchant's variables switch it on, docs/payments.md); each event may narrow the choice."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from payments.providers.base import Notice, Provider, ProviderDown, RefundOutcome, Start
from payments.providers.dev import DEV, dev_enabled, dev_sign, dev_verify

WECHAT, ALIPAY, OFFLINE = "wechat", "alipay", "offline"
LABELS = {DEV: _("Development gateway"), WECHAT: _("WeChat Pay"), ALIPAY: _("Alipay"),
          OFFLINE: _("On site or bank transfer")}

__all__ = ["ALIPAY", "DEV", "LABELS", "OFFLINE", "WECHAT", "Notice", "Provider", "ProviderDown", "RefundOutcome",
           "Start", "configured", "dev_enabled", "dev_sign", "dev_verify", "get", "label"]


def label(code: str) -> str:
    return str(LABELS.get(code, code))


@cache
def configured() -> dict[str, Provider]:
    """The providers riders can pay with, in the order they are offered (built once per process;
    a provider's client is made when first used, so a missing key file fails that provider only)."""
    from payments.providers.alipay import AlipayProvider  # noqa: PLC0415 (their libraries load on use)
    from payments.providers.dev import DevProvider  # noqa: PLC0415
    from payments.providers.wechat import WeChatPayProvider  # noqa: PLC0415

    found: dict[str, Provider] = {}
    if settings.WECHATPAY["MCHID"]:
        found[WECHAT] = WeChatPayProvider(settings.WECHATPAY)
    if settings.ALIPAY["APPID"]:
        found[ALIPAY] = AlipayProvider(settings.ALIPAY)
    if dev_enabled():
        found[DEV] = DevProvider()
    return found


def refunder(code: str) -> Any:
    """The provider that gives money back for a payment taken with ``code`` (offline refunds are
    handed back by the organizer: recorded at once)."""
    from payments.providers.dev import DevProvider, OfflineProvider  # noqa: PLC0415

    if code == OFFLINE:
        return OfflineProvider()
    if code == DEV:
        return DevProvider()
    return configured().get(code)


def get(code: str) -> Provider | None:
    return configured().get(code)


@receiver(setting_changed, dispatch_uid="payments.providers.reset")
def _reset(setting: str, **kwargs: Any) -> None:
    if setting in {"WECHATPAY", "ALIPAY", "PAYMENTS_DEV_GATEWAY", "PAYMENTS_TRADE_PREFIX"}:
        configured.cache_clear()
