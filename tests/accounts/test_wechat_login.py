"""WeChat login: off until its app id is set; a QR code page on a desktop, WeChat's in-app
authorization inside WeChat (the official account's app); a new WeChat user signs up with their
mobile number (WeChat alone makes no account); a signed-in rider links their WeChat. WeChat's
servers are replaced at the transport (requests' adapter)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from tests.factories import UserFactory

WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI"
APPS = {"weixin": {"APPS": [
    {"client_id": "wxweb0000000001", "secret": "web-secret", "settings": {"kind": "website"}},
    {"client_id": "wxmp00000000001", "secret": "mp-secret", "settings": {"kind": "in_app"}}]}}


@pytest.fixture
def wechat_on(settings):
    settings.SOCIALACCOUNT_PROVIDERS = APPS
    return settings


@pytest.fixture
def wechat_servers(monkeypatch):
    asked = []

    def send(adapter, request, **kwargs):
        asked.append(request.url)
        answer = ({"access_token": "ACCESS", "expires_in": 7200, "refresh_token": "R", "openid": "o-web-1",
                   "scope": "snsapi_login", "unionid": "u-rider-1"} if "access_token" in request.url else
                  {"openid": "o-web-1", "nickname": "七里河骑手", "headimgurl": "https://thirdwx.qlogo.cn/x.png",
                   "unionid": "u-rider-1"})
        response = requests.Response()
        response.status_code, response._content = 200, json.dumps(answer).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request = request.url, request
        return response

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return asked


def test_off_until_configured(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/weixin/login/" not in page
    assert client.post("/accounts/weixin/login/").status_code == 404  # never a 500


def test_desktop_gets_the_qr_page_and_wechat_the_in_app_authorization(client, wechat_on, db):
    assert "/accounts/weixin/login/" in client.get("/accounts/login/").content.decode()
    desktop = client.post("/accounts/weixin/login/")
    url = urlsplit(desktop["Location"])
    query = parse_qs(url.query)
    assert url.netloc == "open.weixin.qq.com" and url.path == "/connect/qrconnect"
    assert query["appid"] == ["wxweb0000000001"] and query["scope"] == ["snsapi_login"]
    inside = client.post("/accounts/weixin/login/", HTTP_USER_AGENT=WECHAT_UA)
    assert inside["Location"].startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert inside["Location"].endswith("#wechat_redirect")
    query = parse_qs(urlsplit(inside["Location"].split("#")[0]).query)
    assert query["appid"] == ["wxmp00000000001"] and query["scope"] == ["snsapi_userinfo"]


def _callback(client):
    start = client.post("/accounts/weixin/login/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    return client.get(f"/accounts/weixin/login/callback/?code=CODE&state={state}")


def test_a_new_wechat_user_signs_up_with_their_number(client, wechat_on, wechat_servers, db):
    response = _callback(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    form = client.get(response["Location"]).content.decode()
    assert 'name="phone"' in form  # WeChat alone makes no account: the number and its code come next
    assert not SocialAccount.objects.exists()


def test_a_signed_in_rider_links_their_wechat(client, wechat_on, wechat_servers, db):
    rider = UserFactory()
    client.force_login(rider)
    start = client.post("/accounts/weixin/login/", {"process": "connect"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    client.get(f"/accounts/weixin/login/callback/?code=CODE&state={state}")
    assert 'id="link-wechat"' in client.get("/me/").content.decode()
    account = SocialAccount.objects.get(user=rider)
    assert account.provider == "weixin" and account.uid == "u-rider-1"  # the unionid: both apps, one person
    client.logout()
    _callback(client)  # next time WeChat signs them straight in
    assert client.session["_auth_user_id"] == str(rider.pk)
