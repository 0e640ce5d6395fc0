"""Sign-up with e-mail verification, login, password reset and the login rate limit."""

import re

from django.core import mail

from accounts.models import User
from core.outbox import send_due
from tests.factories import PASSWORD


def _signup(client, username="newrider", email="newrider@example.com"):
    return client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": "Qilihe-river-2026", "password2": "Qilihe-river-2026"},
    )


def test_signup_sends_verification_and_login_waits_for_it(client, db):
    response = _signup(client)
    assert response.status_code == 302
    assert User.objects.filter(username="newrider").exists()
    send_due()  # account e-mails go through the outbox (beat or the kick sends them)
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)

    client.logout()
    blocked = client.post("/accounts/login/", {"login": "newrider", "password": "Qilihe-river-2026"})
    assert blocked.status_code == 302 and "confirm-email" in blocked.url
    assert "_auth_user_id" not in client.session

    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    user = User.objects.get(username="newrider")
    assert user.emailaddress_set.get().verified

    response = client.post("/accounts/login/", {"login": "newrider", "password": "Qilihe-river-2026"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_page_in_chinese_by_default_and_english_on_request(client, db):
    assert "注册" in client.get("/accounts/signup/").content.decode()
    english = client.get("/accounts/signup/", headers={"accept-language": "en"}).content.decode()
    assert "Sign Up" in english and "Routes" in english


def test_signup_mail_in_english_for_an_english_visitor(client, db):
    client.post(
        "/accounts/signup/",
        {"username": "en1", "email": "en1@example.com", "password1": "Qilihe-river-2026",
         "password2": "Qilihe-river-2026"},
        headers={"accept-language": "en"},
    )
    send_due()  # account e-mails go through the outbox (beat or the kick sends them)
    assert "confirm" in mail.outbox[0].body.lower()


def test_signup_with_a_taken_email_creates_nothing_and_tells_only_the_owner(client, rider):
    # allauth prevents account enumeration: the page looks the same, the owner gets a notice
    response = _signup(client, username="someone-else", email=rider.email)
    assert response.status_code == 302
    assert not User.objects.filter(username="someone-else").exists()
    send_due()  # account e-mails go through the outbox (beat or the kick sends them)
    assert [m.to for m in mail.outbox] == [[rider.email]]
    assert "/accounts/confirm-email/" not in mail.outbox[0].body


def test_login_rate_limit_blocks_repeated_failures(client, rider):
    english = {"accept-language": "en"}
    pages = [
        client.post("/accounts/login/", {"login": rider.username, "password": "wrong"}, headers=english)
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[-1].content.decode()
    # even the right password is refused while the limit holds
    response = client.post("/accounts/login/", {"login": rider.username, "password": PASSWORD}, headers=english)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link(client, rider):
    response = client.post("/accounts/password/reset/", {"email": rider.email})
    assert response.status_code == 302
    send_due()  # account e-mails go through the outbox (beat or the kick sends them)
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
