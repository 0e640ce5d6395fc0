"""The development gateway: a local page whose notification is signed with a local key and goes
through the same verification and state code as a real provider's (on only with
PAYMENTS_DEV_GATEWAY, never in production settings). Offline payments (on site, bank transfer)
are recorded by an organizer; giving that money back is the organizer's too."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import ServiceError
from payments.providers.base import Notice, RefundOutcome, Start

DEV = "dev"


def dev_enabled() -> bool:
    """On only in development (DEBUG) with no merchant configured; production settings refuse it."""
    return bool(settings.PAYMENTS_DEV_GATEWAY)


def _key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"payments.dev-gateway", hashlib.sha256).digest()


def dev_sign(payload: dict) -> tuple[bytes, str]:
    """The body and signature of a development-gateway notification."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return body, hmac.new(_key(), body, hashlib.sha256).hexdigest()


def dev_verify(body: bytes, signature: str) -> dict:
    """The notification's content, or a refusal when the signature does not match."""
    expected = hmac.new(_key(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature or ""):
        raise ServiceError(_("The payment notification's signature does not match."), "signature")
    try:
        payload = json.loads(body)
        return {"order": int(payload["order"]), "txn": str(payload["txn"])[:64],
                "amount_fen": int(payload["amount_fen"]), "currency": str(payload["currency"])}
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError(_("The payment notification cannot be read."), "notification") from exc


class DevProvider:
    code = DEV

    @property
    def label(self) -> str:
        return _("Development gateway")

    def start(self, order: Any, *, channel: str, client_ip: str, return_url: str, openid: str = "") -> Start:
        return Start("redirect", url=reverse("payments:dev-pay", args=[order.pk]))

    def notification(self, request: HttpRequest) -> Notice:
        data = dev_verify(request.body, request.headers.get("X-Dev-Signature", ""))
        return Notice("payment", trade_no=f"{settings.PAYMENTS_TRADE_PREFIX}{data['order']:010d}", txn=data["txn"],
                      amount_fen=data["amount_fen"], currency=data["currency"], raw=data)

    def ack(self, ok: bool, message: str = "") -> HttpResponse:
        return HttpResponse("success" if ok else "refused", status=200 if ok else 400, content_type="text/plain")

    def query(self, order: Any) -> Notice | None:
        return None  # the gateway notifies at once

    def refund(self, refund: Any, payment: Any) -> RefundOutcome:
        return RefundOutcome("succeeded", provider_refund_id=f"dev-{refund.reference}")

    def close(self, order: Any) -> None:
        """Nothing to close: the development gateway keeps no trade open."""
        return None

    def refund_query(self, refund: Any) -> RefundOutcome:
        return RefundOutcome("succeeded", provider_refund_id=refund.provider_refund_id)


class OfflineProvider(DevProvider):
    """Money taken on site: the organizer hands it back and the refund is recorded as done."""

    code = "offline"

    def refund(self, refund: Any, payment: Any) -> RefundOutcome:
        return RefundOutcome("succeeded", provider_refund_id=f"offline-{refund.reference}")
