"""Sign-up phone first (an SMS code verifies the number; e-mail optional), login by number,
username or e-mail with a password or by an SMS code, password reset by SMS, and the limits."""

import re

import pytest
from django.core import mail

from accounts.models import User
from core import sms
from core.outbox import send_due
from tests.factories import PASSWORD

PASSWORD_NEW = "Qilihe-river-2026"


@pytest.fixture(autouse=True)
def _no_sms():
    sms.sent.clear()
    yield
    sms.sent.clear()


def _signup(client, username="newrider", phone="13812345678", email="", **headers):
    return client.post("/accounts/signup/", {"phone": phone, "username": username, "email": email,
                                             "password1": PASSWORD_NEW, "password2": PASSWORD_NEW}, headers=headers)


def _code(phone="+8613812345678"):
    found = [m for m in sms.sent if m.phone == phone and m.kind == "code"]
    assert found, sms.sent
    return found[-1].params["code"]


def test_phone_signup_verifies_the_number_by_sms_then_signs_in(client, db):
    response = _signup(client)
    assert response.status_code == 302 and response.url == "/accounts/phone/verify/"
    user = User.objects.get(username="newrider")
    assert (user.phone, user.phone_verified, user.mobile) == ("+8613812345678", False, "+8613812345678")
    assert "_auth_user_id" not in client.session  # not before the code
    assert client.post("/accounts/phone/verify/", {"code": "000000"}).status_code == 200  # a wrong code
    response = client.post("/accounts/phone/verify/", {"code": _code()})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.phone_verified and not mail.outbox  # no e-mail needed at all
    client.logout()
    for login in ("13812345678", "+86 138 1234 5678", "newrider"):  # the number as typed, or the username
        assert client.post("/accounts/login/", {"login": login, "password": PASSWORD_NEW}).status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)
        client.logout()


def test_the_signup_form_puts_the_number_first_with_the_number_pad(client, db):
    page = client.get("/accounts/signup/").content.decode()
    assert page.index('name="phone"') < page.index('name="username"') < page.index('name="email"')
    assert re.search(r'<input[^>]*type="tel"[^>]*name="phone"|<input[^>]*name="phone"[^>]*type="tel"', page)
    assert 'inputmode="tel"' in page
    assert _signup(client, phone="").status_code == 200 and not User.objects.exists()  # the number is required
    bad = _signup(client, phone="12345")
    assert bad.status_code == 200 and "11" in bad.content.decode() and not User.objects.exists()


def test_an_email_given_at_signup_is_verified_but_not_required_to_sign_in(client, db):
    _signup(client, email="newrider@example.com", **{"accept-language": "en"})
    client.post("/accounts/phone/verify/", {"code": _code()})
    send_due()
    assert len(mail.outbox) == 1 and "confirm" in mail.outbox[0].body.lower()
    client.logout()
    answer = client.post("/accounts/login/", {"login": "newrider@example.com", "password": PASSWORD_NEW})
    assert answer.status_code == 302
    assert "_auth_user_id" in client.session


def test_signup_with_a_taken_number_creates_nothing_and_tells_only_the_owner(client, rider):
    rider.phone, rider.phone_verified = "+8613900001111", True
    rider.save()
    response = _signup(client, username="someone-else", phone="13900001111")
    assert response.status_code == 302  # the page looks the same as for a new number
    assert not User.objects.filter(username="someone-else").exists()
    assert [(m.phone, m.kind) for m in sms.sent] == [("+8613900001111", "account_exists")]


def test_login_by_sms_code_and_no_enumeration(client, rider):
    rider.phone, rider.phone_verified = "+8613900002222", True
    rider.save()
    known = client.post("/accounts/login/code/", {"phone": "13900002222"})
    assert known.status_code == 302 and known.url == "/accounts/login/code/confirm/"
    response = client.post("/accounts/login/code/confirm/", {"code": _code("+8613900002222")})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(rider.pk)
    client.logout()
    unknown = client.post("/accounts/login/code/", {"phone": "13900003333"})
    assert unknown.status_code == 302 and unknown.url == known.url  # the same answer
    assert [m.kind for m in sms.sent if m.phone == "+8613900003333"] == ["no_account"]


def test_sms_codes_per_number_are_limited_and_the_rider_is_told(rider, settings):
    from django.test import Client
    rider.phone, rider.phone_verified = "+8613900004444", True
    rider.save()
    english = {"accept-language": "en"}
    answers = [Client().post("/accounts/login/code/", {"phone": "13900004444"}, headers=english, follow=True)
               for _ in range(4)]
    assert len([m for m in sms.sent if m.phone == "+8613900004444"]) == 3  # allauth: 3 a minute per number
    assert "Too many" in answers[-1].content.decode()


def test_our_daily_cap_per_number_holds_whatever_the_minute_limits(rider, settings):
    from django.core.cache import cache
    from django.test import Client
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "100/m/ip,100/m/key"}
    rider.phone, rider.phone_verified = "+8613900006666", True
    rider.save()
    cache.clear()
    answers = [Client().post("/accounts/login/code/", {"phone": "13900006666"}, headers={"accept-language": "en"},
                             follow=True) for _ in range(3)]
    assert len(sms.sent) == 2
    assert "Too many text messages went to this number today" in answers[-1].content.decode()
    unknown = Client().post("/accounts/login/code/", {"phone": "13900006667"}, headers={"accept-language": "en"},
                            follow=True)
    assert unknown.status_code == 200 and len(sms.sent) == 3  # an unknown number counts and is told the same way


def test_password_reset_by_sms_code(client, rider):
    rider.phone, rider.phone_verified = "+8613900005555", True
    rider.save()
    link = re.search(r'id="forgot-by-sms">[^<]*<a href="([^"]+)"', client.get("/accounts/login/").content.decode())
    assert link and link.group(1) == "/password/forgot/"
    assert client.get(link.group(1)).url == "/accounts/login/code/"
    client.post("/accounts/login/code/", {"phone": "13900005555"})
    response = client.post("/accounts/login/code/confirm/", {"code": _code("+8613900005555")})
    assert response.url == "/me/password/new/"
    assert client.get("/me/password/new/").status_code == 200
    response = client.post("/me/password/new/", {"new_password1": PASSWORD_NEW, "new_password2": PASSWORD_NEW})
    assert response.status_code == 302
    client.logout()
    assert client.post("/accounts/login/", {"login": "13900005555", "password": PASSWORD_NEW}).status_code == 302
    assert "_auth_user_id" in client.session


def test_a_password_login_cannot_set_a_new_password_without_the_old(client, rider):
    client.post("/accounts/login/", {"login": rider.username, "password": PASSWORD})
    assert client.get("/me/password/new/").status_code == 302  # to the change form that asks the old one
    assert rider.check_password(PASSWORD)


def test_signup_page_in_chinese_by_default_and_english_on_request(client, db):
    assert "注册" in client.get("/accounts/signup/").content.decode()
    english = client.get("/accounts/signup/", headers={"accept-language": "en"}).content.decode()
    assert "Sign Up" in english and "Routes" in english


def test_signup_mail_in_english_for_an_english_visitor(client, db):
    _signup(client, username="en1", email="en1@example.com", **{"accept-language": "en"})
    client.post("/accounts/phone/verify/", {"code": _code()}, headers={"accept-language": "en"})
    send_due()  # account e-mails go through the outbox (beat or the kick sends them)
    assert "confirm" in mail.outbox[0].body.lower()


def test_signup_with_a_taken_email_says_nothing_and_tells_only_the_owner(client, rider):
    # the page looks the same as with a new address; the account is made without the address,
    # whose owner gets a notice (nothing tells the visitor the address is registered)
    response = _signup(client, username="someone-else", phone="13900007777", email=rider.email)
    assert response.status_code == 302 and response.url == "/accounts/phone/verify/"
    assert User.objects.get(username="someone-else").email == ""
    send_due()
    assert [m.to for m in mail.outbox] == [[rider.email]]
    assert "/accounts/confirm-email/" not in mail.outbox[0].body


def test_login_rate_limit_blocks_repeated_failures(client, rider):
    english = {"accept-language": "en"}
    pages = [
        client.post("/accounts/login/", {"login": rider.username, "password": "wrong"}, headers=english)
        for _ in range(6)
    ]
    assert "Too many failed log-ins" not in pages[0].content.decode()
    assert "Too many failed log-ins" in pages[-1].content.decode()
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


def test_changing_the_number_verifies_the_new_one_and_it_signs_in(client, rider):
    rider.phone, rider.phone_verified = "+8613900008888", True
    rider.save()
    client.force_login(rider)
    assert 'id="change-phone"' in client.get("/me/").content.decode()
    response = client.post("/accounts/phone/change/", {"phone": "13900009999"})
    assert response.status_code == 302
    client.post("/accounts/phone/verify/", {"code": _code("+8613900009999")})
    rider.refresh_from_db()
    assert (rider.phone, rider.phone_verified) == ("+8613900009999", True)
    client.logout()
    assert client.post("/accounts/login/", {"login": "13900009999", "password": PASSWORD}).status_code == 302
    client.logout()
    old = client.post("/accounts/login/", {"login": "13900008888", "password": PASSWORD})
    assert old.status_code == 200  # the old number no longer signs in


def test_a_code_stops_working_after_three_wrong_tries(client, rider):
    rider.phone, rider.phone_verified = "+8613900004321", True
    rider.save()
    client.post("/accounts/login/code/", {"phone": "13900004321"})
    right = _code("+8613900004321")
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        client.post("/accounts/login/code/confirm/", {"code": wrong})
    client.post("/accounts/login/code/confirm/", {"code": right})
    assert "_auth_user_id" not in client.session  # the code is spent: ask for a new one
