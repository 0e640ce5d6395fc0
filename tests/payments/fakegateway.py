"""A local fake of WeChat Pay API v3 and of Alipay's gateway: an HTTP server on loopback that
answers the real client libraries and signs with keys generated for the test (the merchant's
requests are checked with the merchant's public key, as the real gateways do). Tests also build
the providers' notifications with it."""

from __future__ import annotations

import base64
import functools
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCHID, WX_APPID, PUBLIC_KEY_ID, ALIPAY_APPID = "1900000109", "wx8888888888888888", "PUB_KEY_ID_0001", "2021000000000001"


@functools.cache
def _key(role: str) -> rsa.RSAPrivateKey:
    """The RSA key of one role (our merchant key, WeChat Pay's, our Alipay app's, Alipay's), made
    once a test process: four 2048-bit keys for every gateway were ~0.4 s of CPU a test, ~12 s a
    run (issue 26). Each role keeps its own key, so a signature by the wrong party still fails."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPrivateKey, text: str, signature: str) -> bool:
    try:
        key.public_key().verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def alipay_string(params: dict, *, request: bool = False) -> str:
    """What Alipay signs: every parameter sorted, without ``sign`` (and, in notifications, without
    ``sign_type``; a merchant's request signs its sign_type too)."""
    left_out = ("sign",) if request else ("sign", "sign_type")
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in left_out)


class FakeGateway:
    def __init__(self, folder: Path) -> None:
        self.merchant, self.platform = _key("merchant"), _key("platform")  # WeChat Pay: our key, WeChat's key
        self.alipay_app, self.alipay = _key("alipay_app"), _key("alipay")  # Alipay: our app's key, Alipay's key
        self.apiv3_key = uuid.uuid4().hex  # 32 characters
        self.trades: dict[str, dict] = {}  # out_trade_no -> {"total", "state", "txn"}
        self.refunds: dict[str, dict] = {}  # out_refund_no -> {"status", "amount"}
        self.refund_mode = "SUCCESS"  # SUCCESS, PROCESSING or NOT_ENOUGH (refused)
        self.down = False
        self.requests: list[tuple[str, str]] = []
        self.closed: list[str] = []  # trades closed (WeChat close, alipay.trade.close), in order
        for name, text in (("wx_merchant.pem", _pem_private(self.merchant)),
                           ("wx_platform.pub", _pem_public(self.platform)),
                           ("ali_app.pem", _pem_private(self.alipay_app)), ("ali.pub", _pem_public(self.alipay))):
            (folder / name).write_text(text)
        self.folder = folder
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # a short poll: shutdown() waits up to one poll interval (the default 0.5 s, in every test's teardown)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> tuple[dict, dict]:
        wechat = {"MCHID": MCHID, "APPID": WX_APPID, "APIV3_KEY": self.apiv3_key, "CERT_SERIAL_NO": "5157F09EFDC096DE",
                  "PRIVATE_KEY_FILE": str(self.folder / "wx_merchant.pem"),
                  "PUBLIC_KEY_FILE": str(self.folder / "wx_platform.pub"), "PUBLIC_KEY_ID": PUBLIC_KEY_ID,
                  "CERT_DIR": "", "GATEWAY": self.url}
        alipay = {"APPID": ALIPAY_APPID, "PRIVATE_KEY_FILE": str(self.folder / "ali_app.pem"),
                  "PUBLIC_KEY_FILE": str(self.folder / "ali.pub"), "SANDBOX": False,
                  "GATEWAY": f"{self.url}/gateway.do"}
        return wechat, alipay

    # -- what a rider does on their phone --------------------------------------------------
    def pay(self, trade_no: str) -> str:
        trade = self.trades[trade_no]
        trade["state"], trade["txn"] = "SUCCESS", f"42000{uuid.uuid4().int % 10**20:020d}"
        return trade["txn"]

    # -- notifications ----------------------------------------------------------------------
    def wechat_notification(self, event_type: str, resource: dict, *, key: rsa.RSAPrivateKey | None = None,
                            age: int = 0) -> tuple[bytes, dict]:
        nonce = uuid.uuid4().hex[:12]
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(resource).encode(),
                                                             b"transaction")
        body = json.dumps({"id": uuid.uuid4().hex, "create_time": "2026-11-28T10:00:00+08:00",
                           "resource_type": "encrypt-resource", "event_type": event_type,
                           "summary": "支付成功", "resource": {
                               "algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode(),
                               "associated_data": "transaction", "original_type": "transaction",
                               "nonce": nonce}}).encode()
        stamp, sig_nonce = str(int(time.time()) - age), uuid.uuid4().hex
        signature = sign(key or self.platform, f"{stamp}\n{sig_nonce}\n{body.decode()}\n")
        return body, {"HTTP_WECHATPAY_SIGNATURE": signature, "HTTP_WECHATPAY_TIMESTAMP": stamp,
                      "HTTP_WECHATPAY_NONCE": sig_nonce, "HTTP_WECHATPAY_SERIAL": PUBLIC_KEY_ID,
                      "HTTP_WECHATPAY_SIGNATURE_TYPE": "WECHATPAY2-SHA256-RSA2048"}

    def wechat_paid(self, trade_no: str, total: int, txn: str, **extra: object) -> dict:
        return {"mchid": MCHID, "appid": WX_APPID, "out_trade_no": trade_no, "transaction_id": txn,
                "trade_state": "SUCCESS", "amount": {"total": total, "payer_total": total, "currency": "CNY",
                                                      "payer_currency": "CNY"}, **extra}

    def alipay_notification(self, params: dict, *, key: rsa.RSAPrivateKey | None = None) -> dict:
        data = {"app_id": ALIPAY_APPID, "charset": "utf-8", "notify_time": "2026-11-28 10:00:00",
                "notify_type": "trade_status_sync", "notify_id": uuid.uuid4().hex, "version": "1.0", **params}
        data["sign"] = sign(key or self.alipay, alipay_string(data))
        data["sign_type"] = "RSA2"
        return data

    # -- the server -------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, payload: dict | str, *, wechat: bool = True) -> None:
                body = payload if isinstance(payload, str) else json.dumps(payload)
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if wechat:
                    stamp, nonce = str(int(time.time())), uuid.uuid4().hex
                    self.send_header("Wechatpay-Timestamp", stamp)
                    self.send_header("Wechatpay-Nonce", nonce)
                    self.send_header("Wechatpay-Serial", PUBLIC_KEY_ID)
                    self.send_header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
                    self.send_header("Wechatpay-Signature", sign(gateway.platform, f"{stamp}\n{nonce}\n{body}\n"))
                self.end_headers()
                self.wfile.write(body.encode())

            def _wechat_authorized(self, method: str, body: str) -> bool:
                auth = self.headers.get("Authorization", "")
                fields = dict(part.split("=", 1) for part in auth.removeprefix("WECHATPAY2-SHA256-RSA2048 ").split(","))
                fields = {k: v.strip('"') for k, v in fields.items()}
                text = f"{method}\n{self.path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n"
                return fields.get("mchid") == MCHID and verify(gateway.merchant, text, fields.get("signature", ""))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                gateway.requests.append(("POST", self.path))
                if gateway.down:
                    self._send(503, {"code": "SYSTEM_ERROR", "message": "down"}, wechat=False)
                    return
                if not self._wechat_authorized("POST", body):
                    self._send(401, {"code": "SIGN_ERROR", "message": "bad signature"})
                    return
                data = json.loads(body) if body else {}
                if self.path.startswith("/v3/pay/transactions/out-trade-no/") and self.path.endswith("/close"):
                    trade_no = self.path.split("/")[-2]
                    gateway.closed.append(trade_no)
                    if trade_no in gateway.trades:
                        gateway.trades[trade_no]["state"] = "CLOSED"
                    self._send(204, "", wechat=True)
                elif self.path.startswith("/v3/pay/transactions/"):
                    kind = self.path.rsplit("/", 1)[1]
                    gateway.trades[data["out_trade_no"]] = {"total": data["amount"]["total"], "state": "NOTPAY",
                                                            "txn": "", "kind": kind, "payer": data.get("payer")}
                    answer = {"native": {"code_url": "weixin://wxpay/bizpayurl?pr=FAKE123"},
                              "h5": {"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"},
                              "jsapi": {"prepay_id": "wx201410272009395522657a690389285100"}}[kind]
                    self._send(200, answer)
                elif self.path == "/v3/refund/domestic/refunds":
                    if gateway.refund_mode == "NOT_ENOUGH":
                        self._send(403, {"code": "NOT_ENOUGH", "message": "基本账户余额不足"})
                        return
                    gateway.refunds[data["out_refund_no"]] = {"status": gateway.refund_mode,
                                                              "amount": data["amount"]["refund"],
                                                              "transaction_id": data.get("transaction_id"),
                                                              "total": data["amount"]["total"]}
                    self._send(200, {"refund_id": "50300" + uuid.uuid4().hex[:10],
                                     "out_refund_no": data["out_refund_no"],
                                     "status": gateway.refund_mode, "amount": data["amount"]})
                else:
                    self._send(404, {"code": "NOT_FOUND", "message": "no such API"})

            def do_GET(self) -> None:
                gateway.requests.append(("GET", self.path))
                if gateway.down:
                    self._send(503, {"code": "SYSTEM_ERROR", "message": "down"}, wechat=False)
                    return
                parts = urlsplit(self.path)
                if parts.path == "/gateway.do":
                    self._alipay(dict(parse_qsl(parts.query)))
                    return
                if not self._wechat_authorized("GET", ""):
                    self._send(401, {"code": "SIGN_ERROR", "message": "bad signature"})
                    return
                if parts.path.startswith("/v3/pay/transactions/out-trade-no/"):
                    trade_no = parts.path.rsplit("/", 1)[1]
                    trade = gateway.trades.get(trade_no)
                    if trade is None:
                        self._send(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
                        return
                    self._send(200, {"mchid": MCHID, "appid": WX_APPID, "out_trade_no": trade_no,
                                     "transaction_id": trade["txn"], "trade_state": trade["state"],
                                     "amount": {"total": trade["total"], "currency": "CNY"}})
                elif parts.path.startswith("/v3/refund/domestic/refunds/"):
                    refund = gateway.refunds.get(parts.path.rsplit("/", 1)[1])
                    if refund is None:
                        self._send(404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
                        return
                    self._send(200, {"status": refund["status"], "refund_id": "50300query"})
                else:
                    self._send(404, {"code": "NOT_FOUND", "message": "no such API"})

            def _alipay(self, params: dict) -> None:
                method = params.get("method", "")
                if not verify(gateway.alipay_app, alipay_string(params, request=True), params.get("sign", "")):
                    inner = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
                else:
                    biz = json.loads(params.get("biz_content", "{}"))
                    trade = gateway.trades.get(biz.get("out_trade_no", ""))
                    if method == "alipay.trade.query":
                        inner = ({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
                                 if trade is None else
                                 {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"],
                                  "trade_no": trade["txn"], "trade_status": trade["state"],
                                  "total_amount": f"{trade['total'] / 100:.2f}"})
                    elif method == "alipay.trade.refund":
                        gateway.refunds[biz["out_request_no"]] = {"status": "REFUND_SUCCESS",
                                                                  "amount": biz["refund_amount"]}
                        inner = ({"code": "40004", "msg": "Business Failed",
                                  "sub_code": "ACQ.SELLER_BALANCE_NOT_ENOUGH",
                                  "sub_msg": "卖家余额不足"} if gateway.refund_mode == "NOT_ENOUGH" else
                                 {"code": "10000", "msg": "Success", "fund_change": "Y", "trade_no": "2026112822001",
                                  "out_trade_no": biz["out_trade_no"], "refund_fee": biz["refund_amount"]})
                    elif method == "alipay.trade.close":
                        gateway.closed.append(biz.get("out_trade_no", ""))
                        inner = ({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
                                 if trade is None else {"code": "10000", "msg": "Success",
                                                        "out_trade_no": biz["out_trade_no"]})
                        if trade is not None:
                            trade["state"] = "TRADE_CLOSED"
                    elif method == "alipay.trade.fastpay.refund.query":
                        refund = gateway.refunds.get(biz["out_request_no"])
                        inner = ({"code": "10000", "msg": "Success"} if refund is None else
                                 {"code": "10000", "msg": "Success", "refund_status": refund["status"],
                                  "refund_amount": refund["amount"]})
                    else:
                        inner = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.UNKNOWN"}
                text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
                name = method.replace(".", "_") + "_response"
                self._send(200, f'{{"{name}":{text},"sign":"{sign(gateway.alipay, text)}"}}', wechat=False)

        return Handler


def alipay_trade(gateway: FakeGateway, trade_no: str, total_fen: int) -> str:
    """The rider pays on Alipay's page: the trade exists and is paid."""
    gateway.trades[trade_no] = {"total": total_fen, "state": "TRADE_SUCCESS", "txn": f"2026{os.getpid()}{trade_no}"}
    return gateway.trades[trade_no]["txn"]
