"""Issue 10, authentication: limits per address behind the proxy, an account never locked from
elsewhere, the token API under the same limits and verification, revocable tokens and calendar
links, and logging in through a Redis outage."""

import pytest
from django.core.cache import caches
from rest_framework.authtoken.models import Token

from accounts.services import feed_token
from tests.factories import PASSWORD, UserFactory

ENGLISH = {"accept-language": "en"}


def _login(client, rider, password, address):
    return client.post("/accounts/login/", {"login": rider.username, "password": password},
                       headers=ENGLISH, REMOTE_ADDR=address)


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(client, rider):
    pages = [_login(client, rider, "wrong", "203.0.113.9") for _ in range(6)]
    assert "Too many failed log-ins" in pages[-1].content.decode()
    assert "_auth_user_id" not in client.session
    response = _login(client, rider, PASSWORD, "198.51.100.7")  # the owner, from home
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(rider.pk)


def test_behind_the_proxy_the_forwarded_address_is_the_key(client, rider, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(6):  # every request comes from the proxy's socket address
        client.post("/accounts/login/", {"login": rider.username, "password": "wrong"}, headers={
            **ENGLISH, "x-forwarded-for": "203.0.113.9"}, REMOTE_ADDR="10.0.0.2")
    response = client.post("/accounts/login/", {"login": rider.username, "password": PASSWORD}, headers={
        **ENGLISH, "x-forwarded-for": "1.2.3.4, 198.51.100.7"}, REMOTE_ADDR="10.0.0.2")  # a forged left part
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(rider.pk)
    # without the proxy's header the socket address is used, never an error
    client.logout()
    assert client.post("/accounts/login/", {"login": "x", "password": "y"}, REMOTE_ADDR="10.0.0.3").status_code == 200


def test_token_api_refuses_unverified_accounts(client, db):
    unverified = UserFactory(verified_email=False)
    response = client.post("/api/v1/auth/token/", {"username": unverified.username, "password": PASSWORD})
    assert response.status_code == 400 and response.json()["code"] == "unverified"
    assert not Token.objects.filter(user=unverified).exists()
    wrong = client.post("/api/v1/auth/token/", {"username": unverified.username, "password": "nope"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "credentials"


def test_token_api_takes_a_verified_number(client, db):
    rider = UserFactory(verified_email=False, email="", phone="+8613900001234", phone_verified=True)
    response = client.post("/api/v1/auth/token/", {"username": "13900001234", "password": PASSWORD})
    assert response.status_code == 200 and Token.objects.filter(user=rider).exists()


def test_token_api_is_rate_limited_like_the_login(client, rider):
    codes = [client.post("/api/v1/auth/token/", {"username": rider.username, "password": "wrong"},
                         REMOTE_ADDR="203.0.113.9").status_code for _ in range(7)]
    assert codes[0] == 400 and codes[-1] == 429
    assert client.post("/api/v1/auth/token/", {"username": rider.username, "password": PASSWORD},
                       REMOTE_ADDR="203.0.113.9").status_code == 429
    ok = client.post("/api/v1/auth/token/", {"username": rider.username, "password": PASSWORD},
                     REMOTE_ADDR="198.51.100.7")
    assert ok.status_code == 200


def test_a_rider_sees_and_revokes_their_token(client, rider):
    token = client.post("/api/v1/auth/token/", {"username": rider.username, "password": PASSWORD}).json()["token"]
    client.force_login(rider)
    assert 'id="api-token"' in (page := client.get("/me/").content.decode()) and "API" in page
    client.post("/me/token/revoke/")
    assert not Token.objects.filter(key=token).exists()
    client.logout()
    assert client.get("/api/v1/me/", headers={"authorization": f"Token {token}"}).status_code in (401, 403)
    # and through the API
    token = client.post("/api/v1/auth/token/", {"username": rider.username, "password": PASSWORD}).json()["token"]
    assert client.delete("/api/v1/auth/token/", headers={"authorization": f"Token {token}"}).status_code == 204
    assert not Token.objects.filter(user=rider).exists()


def test_the_calendar_link_is_renewed_from_the_profile(client, rider):
    old = feed_token(rider)
    assert client.get(f"/events/feed/{old}.ics").status_code == 200
    client.force_login(rider)
    assert old in client.get("/me/").content.decode()
    client.post("/me/calendar/renew/")
    rider.refresh_from_db()
    new = feed_token(rider)
    assert new != old and new in client.get("/me/").content.decode()
    assert client.get(f"/events/feed/{old}.ics").status_code == 404
    assert client.get(f"/events/feed/{new}.ics").status_code == 200


def test_login_and_password_reset_work_while_redis_is_down(client, rider, settings):
    """The rate-limit cache points at a Redis nobody runs: pages answer, nothing is 500."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    assert type(caches["default"]).__name__ == "ResilientRedisCache"
    assert _login(client, rider, "wrong", "203.0.113.9").status_code == 200
    assert _login(client, rider, PASSWORD, "203.0.113.9").status_code == 302
    client.logout()
    assert client.post("/accounts/password/reset/", {"email": rider.email}).status_code == 302


@pytest.mark.parametrize("bad", ["", "forged-token", "MQ:AAAAAAAAAAAAAAAAAAAA"])
def test_forged_feed_tokens_are_404(client, db, bad):
    assert client.get(f"/events/feed/{bad}.ics").status_code == 404
