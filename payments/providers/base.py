"""The one interface every payment provider implements (pretix's payment providers as plug-ins):
start a payment, read a notification (verified, or refused), query an order, refund and follow a
refund. Providers never touch the database: services record what they report."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import ServiceError

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


class ProviderDown(ServiceError):
    """The provider did not answer, or answered something we cannot trust: nothing was recorded;
    the rider may try again or choose another way to pay."""

    def __init__(self, label: str) -> None:
        super().__init__(_("%(provider)s is not answering right now. Nothing was charged: try again in a "
                           "minute or choose another way to pay.") % {"provider": label}, "provider_down",
                         http_status=503)


@dataclass(frozen=True)
class Start:
    """How the rider goes on paying: to a provider page (``redirect``), a QR code to scan
    (``qr``, the code's content in ``url``) or WeChat's in-app payment (``jsapi``, ``params``)."""

    kind: str
    url: str = ""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """What a verified notification (or a query) says. ``kind``: payment, refund or ignore."""

    kind: str
    trade_no: str = ""
    txn: str = ""
    amount_fen: int = 0
    currency: str = "CNY"
    refund_reference: str = ""
    refund_status: str = ""  # a Refund.Status value
    refund_id: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundOutcome:
    status: str  # a Refund.Status value: requested (try again later), processing, succeeded, failed
    provider_refund_id: str = ""
    error: str = ""
    raw: dict = field(default_factory=dict)


class Provider(Protocol):
    code: str

    @property
    def label(self) -> str: ...

    def start(self, order: Any, *, channel: str, client_ip: str, return_url: str, openid: str = "") -> Start: ...

    def notification(self, request: HttpRequest) -> Notice: ...

    def ack(self, ok: bool, message: str = "") -> HttpResponse: ...

    def query(self, order: Any) -> Notice | None: ...

    def refund(self, refund: Any, payment: Any) -> RefundOutcome: ...

    def refund_query(self, refund: Any) -> RefundOutcome: ...

    def close(self, order: Any) -> None: ...


def notify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("payments:notify", args=[code])


def read_key(path: str) -> str:
    """A key or certificate from the file the environment names (never from the repository)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def yuan_text(fen: int) -> str:
    """Alipay's amounts: yuan with two decimals, as text."""
    return f"{decimal.Decimal(fen) / 100:.2f}"


def fen_of(text: Any) -> int:
    """Yuan as text ("120.00") to integer fen; refused when it is not an amount."""
    try:
        value = decimal.Decimal(str(text)) * 100
    except decimal.InvalidOperation as exc:
        raise ServiceError(_("The payment notification cannot be read."), "notification") from exc
    if value != value.to_integral_value() or value < 0:
        raise ServiceError(_("The payment notification cannot be read."), "notification")
    return int(value)


def refused(reason: str = "") -> ServiceError:
    return ServiceError(reason or _("The payment notification's signature does not match."), "signature")


def order_id_of(trade_no: str) -> int | None:
    """Our order id from the merchant order number we sent (prefix + zero-padded id)."""
    prefix = settings.PAYMENTS_TRADE_PREFIX
    if not trade_no.startswith(prefix) or not trade_no[len(prefix):].isdigit() or not trade_no[len(prefix):].isascii():
        return None
    return int(trade_no[len(prefix):])
