// The pay page: while a WeChat Pay QR code is shown, ask the server every 3 s whether the
// payment arrived (it asks WeChat Pay in turn) and move on when it has; inside WeChat, start the
// in-app payment with the parameters the server signed (no inline script: CSP).
(function () {
  "use strict";
  var qr = document.getElementById("pay-qr");
  if (qr) {
    var url = qr.dataset.statusUrl, tries = 0;
    var poll = function () {
      tries += 1;
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
        if (data.status === "paid" && data.next) { window.location.assign(data.next); return; }
        if (data.status === "pending" && tries < 200) { window.setTimeout(poll, 3000); return; }
        if (data.status !== "pending") { window.location.reload(); }
      }).catch(function () { window.setTimeout(poll, 6000); });
    };
    window.setTimeout(poll, 3000);
  }
  var params = document.getElementById("wechat-jsapi");
  if (params) {
    var request = JSON.parse(params.textContent);
    var pay = function () {
      window.WeixinJSBridge.invoke("getBrandWCPayRequest", request, function (answer) {
        if (answer.err_msg === "get_brand_wcpay_request:ok") { document.getElementById("pay-check").click(); }
      });
    };
    if (window.WeixinJSBridge) { pay(); } else { document.addEventListener("WeixinJSBridgeReady", pay, false); }
  }
})();
