"""Issue 25 (part): the login-code form submitted empty (also from the forgotten-password page,
which posts there) answered 500; it now says what to fill in, in the visitor's language."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "Enter your phone number or your e-mail address."),
                                                 ("zh-hans", "请输入手机号或电子邮箱。")])
def test_an_empty_login_code_request_says_what_to_fill_in(client, language, words):
    response = client.post("/accounts/login/code/", {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert words in response.content.decode()
    both_blank = client.post("/accounts/login/code/", {"phone": "", "email": ""}, HTTP_ACCEPT_LANGUAGE=language)
    assert both_blank.status_code == 200 and words in both_blank.content.decode()
