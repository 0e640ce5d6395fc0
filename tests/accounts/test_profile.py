"""The rider's own profile page and API; what others may and may not see."""

import datetime

from accounts.models import HomeArea, User
from industry.models import Brand
from tests.factories import UserFactory


def _private_rider():
    return UserFactory(
        real_name="王小红",
        mobile="+8613912345678",
        date_of_birth=datetime.date(1990, 5, 17),
        emergency_contact_name="王大山",
        emergency_contact_phone="+8613700001111",
        home_area=HomeArea.PINGXIANG,
        bike_brand=Brand.objects.get_or_create(slug="feige", name="飞鸽")[0],
    )


PRIVATE_FRAGMENTS = ("13912345678", "1990", "王大山", "13700001111", "王小红")

FORM = {
    "display_name": "绿道小王",
    "real_name": "王小红",
    "gender": "female",
    "date_of_birth": "1990-05-17",
    "mobile": "139 1234 5678",
    "home_area": "pingxiang",
    "home_area_other": "",
    "emergency_contact_name": "王大山",
    "emergency_contact_phone": "13700001111",
    "bike_brand": "",
    "language": "en",
    "notify_by": "sms",
    "show_name_publicly": "on",
}


def test_profile_page_requires_login(client, db):
    response = client.get("/me/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_profile_edit_saves_every_field(rider_client, rider):
    response = rider_client.post("/me/", FORM)
    assert response.status_code == 302
    rider.refresh_from_db()
    assert rider.mobile == "+8613912345678"
    assert rider.emergency_contact_phone == "+8613700001111"
    assert rider.date_of_birth == datetime.date(1990, 5, 17)
    assert rider.home_area == HomeArea.PINGXIANG and rider.is_local
    assert rider.show_name_publicly is True and rider.language == "en" and rider.notify_by == "sms"


def test_profile_edit_bad_phone_is_a_form_error_in_chinese_and_changes_nothing(rider_client, rider):
    response = rider_client.post("/me/", {**FORM, "mobile": "12345"})
    assert response.status_code == 200
    assert "请输入中国大陆手机号码" in response.content.decode()
    rider.refresh_from_db()
    assert rider.mobile == "" and rider.display_name != "绿道小王"


def test_profile_edit_other_city_needs_a_name(rider_client, rider):
    response = rider_client.post("/me/", {**FORM, "home_area": "other", "home_area_other": ""}, headers={
        "accept-language": "en"})
    assert "Tell us your home city." in response.content.decode()
    response = rider_client.post("/me/", {**FORM, "home_area": "other", "home_area_other": "石家庄"})
    assert response.status_code == 302
    rider.refresh_from_db()
    assert (rider.home_area, rider.home_area_other, rider.is_local) == ("other", "石家庄", False)


def test_public_profile_never_shows_private_data(client, db):
    owner = _private_rider()
    viewer = UserFactory()
    client.force_login(viewer)
    page = client.get(f"/riders/{owner.username}/").content.decode()
    assert owner.display_name in page
    for fragment in PRIVATE_FRAGMENTS:
        assert fragment not in page
    api = client.get(f"/api/v1/riders/{owner.username}/").json()
    assert set(api) == {"username", "name", "bike_brand"}


def test_profile_page_only_ever_shows_the_logged_in_rider(client, db):
    owner = _private_rider()
    viewer = UserFactory()
    client.force_login(viewer)
    page = client.get("/me/").content.decode()
    for fragment in PRIVATE_FRAGMENTS:
        assert fragment not in page
    # there is no way to address someone else's profile for editing
    assert client.get(f"/me/{owner.pk}/").status_code == 404
    assert client.get(f"/api/v1/me/{owner.pk}/").status_code == 404


def test_public_profile_of_unknown_or_inactive_rider_is_404(client, db):
    gone = UserFactory(is_active=False)
    assert client.get(f"/riders/{gone.username}/").status_code == 404
    assert client.get("/riders/nobody-here/").status_code == 404


def test_api_me_reads_and_updates_own_profile(client, rider):
    client.force_login(rider)
    assert client.get("/api/v1/me/").json()["username"] == rider.username
    Brand.objects.create(slug="xds", name="喜德盛")
    response = client.patch("/api/v1/me/", {"mobile": "13812345678", "bike_brand": "xds"},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["mobile"] == "+8613812345678"


def test_api_me_rejects_bad_phone_in_callers_language(client, rider):
    client.force_login(rider)
    response = client.patch("/api/v1/me/", {"mobile": "+86 12"}, content_type="application/json",
                            headers={"accept-language": "en"})
    assert response.status_code == 400
    body = response.json()
    assert "mainland mobile" in str(body["fields"]["mobile"]) and body["code"] == "invalid"
    rider.refresh_from_db()
    assert rider.mobile == ""


def test_api_me_anonymous_is_refused(client, db):
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_api_token_auth(client, rider):
    response = client.post("/api/v1/auth/token/", {"username": rider.username, "password": "ride-the-taihang-2026"})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", headers={"authorization": f"Token {token}"})
    assert me.json()["username"] == rider.username
    assert User.objects.get(pk=rider.pk).auth_token.key == token
