"""WeChat Pay API v3 through the ``wechatpayv3`` library: Native (a QR code on a desktop page), H5
(phone browsers) and JSAPI (inside WeChat, for a rider whose openid we know). Notifications are
verified by the library (RSA-SHA256 signature with WeChat Pay's public key or platform
certificate, AES-256-GCM resource decryption); we add a freshness check on the signed timestamp,
the merchant and app ids, and (in services) the amount and the order."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from payments.providers.base import (
    BEIJING,
    Notice,
    ProviderDown,
    RefundOutcome,
    Start,
    notify_url,
    read_key,
    refused,
)

log = logging.getLogger(__name__)
FRESH_SECONDS = 300  # a notification signed longer ago than this is a replay
REFUND_STATES = {"SUCCESS": "succeeded", "PROCESSING": "processing", "ABNORMAL": "failed", "CLOSED": "failed"}


class WeChatPayProvider:
    code = "wechat"

    def __init__(self, conf: dict) -> None:
        self.conf = conf
        self._client: Any = None

    @property
    def label(self) -> str:
        return _("WeChat Pay")

    @property
    def client(self) -> Any:
        if self._client is None:
            from wechatpayv3 import WeChatPay, WeChatPayType  # noqa: PLC0415

            conf = self.conf
            public_key = read_key(conf["PUBLIC_KEY_FILE"]) if conf["PUBLIC_KEY_FILE"] else None
            try:
                client = WeChatPay(
                    wechatpay_type=WeChatPayType.NATIVE, mchid=conf["MCHID"],
                    private_key=read_key(conf["PRIVATE_KEY_FILE"]), cert_serial_no=conf["CERT_SERIAL_NO"],
                    appid=conf["APPID"], apiv3_key=conf["APIV3_KEY"], cert_dir=conf["CERT_DIR"] or None,
                    public_key=public_key, public_key_id=conf["PUBLIC_KEY_ID"] or None, timeout=(5, 15))
            except (OSError, requests.RequestException) as exc:
                log.error("WeChat Pay client cannot start: %s", type(exc).__name__)
                raise ProviderDown(self.label) from exc
            client._core._gate_way = conf["GATEWAY"].rstrip("/")  # the sandbox or a test's fake gateway
            self._client = client
        return self._client

    def _call(self, method: str, **kwargs: Any) -> tuple[int, dict]:
        try:
            code, message = getattr(self.client, method)(**kwargs)
        except requests.RequestException as exc:
            log.warning("WeChat Pay %s: %s", method, type(exc).__name__)
            raise ProviderDown(self.label) from exc
        except Exception as exc:  # the library raises bare Exception for an answer whose signature fails
            log.warning("WeChat Pay %s refused: %s", method, exc)
            raise ProviderDown(self.label) from exc
        try:
            body = json.loads(message) if message else {}
        except (TypeError, ValueError):
            body = {}
        return code, body if isinstance(body, dict) else {}

    def start(self, order: Any, *, channel: str, client_ip: str, return_url: str, openid: str = "") -> Start:
        from wechatpayv3 import WeChatPayType  # noqa: PLC0415

        common = {"description": (order.description or f"#{order.pk}")[:40], "out_trade_no": order.trade_no,
                  "amount": {"total": order.amount_fen, "currency": order.currency},
                  "time_expire": order.expires_at.astimezone(BEIJING).isoformat(timespec="seconds"),
                  "notify_url": notify_url(self.code)}
        if channel == "wechat" and openid:
            code, body = self._call("pay", pay_type=WeChatPayType.JSAPI, payer={"openid": openid}, **common)
            prepay = body.get("prepay_id")
            if code == 200 and prepay:
                stamp, nonce, package = str(int(time.time())), uuid.uuid4().hex, f"prepay_id={prepay}"
                sign = self.client.sign([self.conf["APPID"], stamp, nonce, package])
                return Start("jsapi", params={"appId": self.conf["APPID"], "timeStamp": stamp, "nonceStr": nonce,
                                              "package": package, "signType": "RSA", "paySign": sign})
        elif channel in ("mobile", "wechat-browser"):
            code, body = self._call("pay", pay_type=WeChatPayType.H5,
                                    scene_info={"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}}, **common)
            if code == 200 and body.get("h5_url"):
                from urllib.parse import quote  # noqa: PLC0415

                return Start("redirect", url=f"{body['h5_url']}&redirect_url={quote(return_url, safe='')}")
        else:
            code, body = self._call("pay", pay_type=WeChatPayType.NATIVE, **common)
            if code == 200 and body.get("code_url"):
                return Start("qr", url=body["code_url"])
        log.warning("WeChat Pay refused order %s: %s %s", order.pk, code, body.get("code"))
        raise ProviderDown(self.label)

    def notification(self, request: HttpRequest) -> Notice:
        meta = request.META
        try:
            stamp = int(meta.get("HTTP_WECHATPAY_TIMESTAMP", ""))
        except ValueError as exc:
            raise refused() from exc
        if abs(time.time() - stamp) > FRESH_SECONDS:
            raise refused(_("The payment notification is too old: refused as a replay."))
        try:
            data = self.client.callback(meta, request.body)
        except Exception as exc:  # an unknown signature type or a body that is not JSON
            raise refused() from exc
        if not data:
            raise refused()
        resource = data.get("resource") or {}
        appid = resource.get("appid", self.conf["APPID"])
        if resource.get("mchid") != self.conf["MCHID"] or appid != self.conf["APPID"]:
            raise refused(_("The payment notification is for another merchant."))
        event = data.get("event_type", "")
        amount = resource.get("amount") or {}
        if event == "TRANSACTION.SUCCESS" and resource.get("trade_state") == "SUCCESS":
            return Notice("payment", trade_no=str(resource.get("out_trade_no", "")),
                          txn=str(resource.get("transaction_id", ""))[:64], amount_fen=int(amount.get("total", -1)),
                          currency=str(amount.get("currency", "")), raw=resource)
        if event.startswith("REFUND."):
            return Notice("refund", trade_no=str(resource.get("out_trade_no", "")),
                          refund_reference=str(resource.get("out_refund_no", "")),
                          refund_id=str(resource.get("refund_id", "")),
                          refund_status=REFUND_STATES.get(resource.get("refund_status", ""), "processing"),
                          amount_fen=int(amount.get("refund", -1)), raw=resource)
        return Notice("ignore", raw=resource)

    def ack(self, ok: bool, message: str = "") -> HttpResponse:
        """WeChat Pay wants 204 with no body for success, 4xx with {"code": "FAIL"} otherwise (it
        retries)."""
        if ok:
            return HttpResponse(status=204)
        return JsonResponse({"code": "FAIL", "message": message[:100] or "FAIL"}, status=400)

    def query(self, order: Any) -> Notice | None:
        code, body = self._call("query", out_trade_no=order.trade_no)
        if code == 404 or (code == 200 and body.get("trade_state") != "SUCCESS"):
            return None
        if code != 200:
            raise ProviderDown(self.label)
        amount = body.get("amount") or {}
        return Notice("payment", trade_no=str(body.get("out_trade_no", "")), txn=str(body.get("transaction_id", "")),
                      amount_fen=int(amount.get("total", -1)), currency=str(amount.get("currency", "")), raw=body)

    def close(self, order: Any) -> None:
        """Close the trade (关闭订单): the rider's QR or page stops taking money. 204 closed; a trade
        already paid answers ORDERPAID (its money arrives as a notification and is refunded)."""
        code, body = self._call("close", out_trade_no=order.trade_no)
        if code not in (200, 204) and body.get("code") not in ("ORDERPAID", "ORDER_NOT_EXIST", "ORDERCLOSED"):
            raise ProviderDown(self.label)

    def _refund_outcome(self, code: int, body: dict) -> RefundOutcome:
        if code == 200:
            return RefundOutcome(REFUND_STATES.get(body.get("status", ""), "processing"),
                                 provider_refund_id=str(body.get("refund_id", "")), raw=body)
        if 400 <= code < 500:  # refused for good (e.g. NOT_ENOUGH balance): listed for the organizer
            return RefundOutcome("failed", error=f"{body.get('code', code)}: {body.get('message', '')}"[:300], raw=body)
        return RefundOutcome("requested", error=f"HTTP {code}")  # try again later

    def refund(self, refund: Any, payment: Any) -> RefundOutcome:
        try:
            trade = payment.trade  # a group payment's share is refunded from the group's transaction
            code, body = self._call("refund", out_refund_no=refund.reference, transaction_id=trade.provider_txn_id,
                                    amount={"refund": refund.amount_fen, "total": trade.amount_fen,
                                            "currency": "CNY"},
                                    reason=refund.reason[:80], notify_url=notify_url(self.code))
        except ProviderDown:
            return RefundOutcome("requested", error="provider not answering")
        return self._refund_outcome(code, body)

    def refund_query(self, refund: Any) -> RefundOutcome:
        try:
            code, body = self._call("query_refund", out_refund_no=refund.reference)
        except ProviderDown:
            return RefundOutcome(refund.status, error="provider not answering")
        if code == 404:
            return RefundOutcome("requested", error="unknown to WeChat Pay: sent again")
        outcome = self._refund_outcome(code, body)
        return outcome if outcome.status != "requested" else RefundOutcome(refund.status, error=outcome.error)
