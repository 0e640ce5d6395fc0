"""Payment providers behind one interface. This first one is the development gateway: a local
page whose notification is signed with a local key and goes through the same verification and
state code as a real provider's (WeChat Pay and Alipay come next, docs/payments.md)."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ServiceError

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
