"""Alipay through ``python-alipay-sdk``: page pay (desktop) and wap pay (phone browsers).
Notifications are verified (RSA2 with Alipay's public key), then the app id, the amount and
out_trade_no are checked; the trade query is the fallback when a notification is late."""

from __future__ import annotations

import logging
import socket
import urllib.error
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from payments.providers.base import (
    BEIJING,
    Notice,
    ProviderDown,
    RefundOutcome,
    Start,
    fen_of,
    notify_url,
    read_key,
    refused,
    yuan_text,
)

log = logging.getLogger(__name__)
NETWORK = (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, ValueError)


class AlipayProvider:
    code = "alipay"

    def __init__(self, conf: dict) -> None:
        self.conf = conf
        self._client: Any = None

    @property
    def label(self) -> str:
        return _("Alipay")

    @property
    def client(self) -> Any:
        if self._client is None:
            from alipay import AliPay, AliPayConfig  # noqa: PLC0415

            conf = self.conf
            try:
                client = AliPay(appid=conf["APPID"], app_notify_url=notify_url(self.code),
                                app_private_key_string=read_key(conf["PRIVATE_KEY_FILE"]),
                                alipay_public_key_string=read_key(conf["PUBLIC_KEY_FILE"]), sign_type="RSA2",
                                debug=conf["SANDBOX"], config=AliPayConfig(timeout=15))
            except (OSError, ValueError) as exc:
                log.error("Alipay client cannot start: %s", type(exc).__name__)
                raise ProviderDown(self.label) from exc
            if conf["GATEWAY"]:
                client._gateway = conf["GATEWAY"]  # a test's fake gateway
            self._client = client
        return self._client

    def _server(self, method: str, **kwargs: Any) -> dict:
        from alipay.exceptions import AliPayException, AliPayValidationError  # noqa: PLC0415

        try:
            return getattr(self.client, method)(**kwargs)
        except AliPayValidationError as exc:
            log.warning("Alipay %s: the answer's signature does not match", method)
            raise ProviderDown(self.label) from exc
        except AliPayException as exc:
            log.warning("Alipay %s refused: %s", method, exc.code if hasattr(exc, "code") else "")
            raise ProviderDown(self.label) from exc
        except NETWORK as exc:
            log.warning("Alipay %s: %s", method, type(exc).__name__)
            raise ProviderDown(self.label) from exc

    def start(self, order: Any, *, channel: str, client_ip: str, return_url: str, openid: str = "") -> Start:
        method = self.client.api_alipay_trade_page_pay if channel == "desktop" else self.client.api_alipay_trade_wap_pay
        query = method(subject=(order.description or f"#{order.pk}")[:60], out_trade_no=order.trade_no,
                       total_amount=yuan_text(order.amount_fen), return_url=return_url,
                       notify_url=notify_url(self.code),
                       time_expire=order.expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"))
        return Start("redirect", url=f"{self.client._gateway}?{query}")

    def notification(self, request: HttpRequest) -> Notice:
        data = request.POST.dict()
        signature = data.pop("sign", "")
        try:
            good = bool(signature) and self.client.verify(dict(data), signature)
        except Exception as exc:  # a wrong sign type, a signature that is not base64
            raise refused() from exc
        if not good:
            raise refused()
        if data.get("app_id") != self.conf["APPID"]:
            raise refused(_("The payment notification is for another merchant."))
        if data.get("refund_fee") and data.get("out_biz_no"):  # a refund's notice
            return Notice("refund", trade_no=data.get("out_trade_no", ""), refund_reference=data["out_biz_no"],
                          refund_status="succeeded", refund_id=data.get("trade_no", ""),
                          amount_fen=fen_of(data["refund_fee"]), raw=data)
        if data.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return Notice("payment", trade_no=data.get("out_trade_no", ""), txn=data.get("trade_no", "")[:64],
                          amount_fen=fen_of(data.get("total_amount", "x")), currency="CNY", raw=data)
        return Notice("ignore", raw=data)

    def ack(self, ok: bool, message: str = "") -> HttpResponse:
        """Alipay reads the body: "success" stops its retries."""
        return HttpResponse("success" if ok else "fail", status=200 if ok else 400, content_type="text/plain")

    def query(self, order: Any) -> Notice | None:
        answer = self._server("api_alipay_trade_query", out_trade_no=order.trade_no)
        if answer.get("code") != "10000" or answer.get("trade_status") not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return None
        return Notice("payment", trade_no=answer.get("out_trade_no", ""), txn=answer.get("trade_no", ""),
                      amount_fen=fen_of(answer.get("total_amount", "x")), currency="CNY", raw=answer)

    def close(self, order: Any) -> None:
        """alipay.trade.close: the trade stops taking money (one never opened answers
        ACQ.TRADE_NOT_EXIST, which is as good)."""
        answer = self._server("api_alipay_trade_close", out_trade_no=order.trade_no)
        if answer.get("code") != "10000" and answer.get("sub_code") not in ("ACQ.TRADE_NOT_EXIST",
                                                                            "ACQ.TRADE_STATUS_ERROR"):
            raise ProviderDown(self.label)

    def refund(self, refund: Any, payment: Any) -> RefundOutcome:
        try:
            answer = self._server("api_alipay_trade_refund", refund_amount=yuan_text(refund.amount_fen),
                                  out_trade_no=payment.trade.order.trade_no, out_request_no=refund.reference,
                                  refund_reason=refund.reason[:80])
        except ProviderDown:
            return RefundOutcome("requested", error="provider not answering")
        if answer.get("code") != "10000":
            return RefundOutcome("failed", error=f"{answer.get('sub_code', answer.get('code'))}: "
                                                 f"{answer.get('sub_msg', answer.get('msg', ''))}"[:300], raw=answer)
        status = "succeeded" if answer.get("fund_change") == "Y" else "processing"
        return RefundOutcome(status, provider_refund_id=answer.get("trade_no", ""), raw=answer)

    def refund_query(self, refund: Any) -> RefundOutcome:
        try:
            trade_no = refund.payment.trade.order.trade_no if refund.payment is not None else refund.order.trade_no
            answer = self._server("api_alipay_trade_fastpay_refund_query", out_request_no=refund.reference,
                                  out_trade_no=trade_no)
        except ProviderDown:
            return RefundOutcome(refund.status, error="provider not answering")
        if answer.get("code") == "10000" and answer.get("refund_status") == "REFUND_SUCCESS":
            return RefundOutcome("succeeded", provider_refund_id=answer.get("trade_no", ""), raw=answer)
        if answer.get("code") == "10000" and not answer.get("refund_amount"):
            return RefundOutcome("requested", error="unknown to Alipay: sent again")
        return RefundOutcome("processing", raw=answer)
