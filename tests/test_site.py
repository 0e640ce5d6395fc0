"""Site skeleton: navigation, language switcher, API docs offline, admin, no CDN."""

import re
from pathlib import Path

import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/routes/", "/clubs/", "/events/", "/insights/", "/accounts/login/", "/accounts/signup/",
         "/accounts/password/reset/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_navigation_in_chinese_by_default(client, db, path):
    page = client.get(path).content.decode()
    for label in ("线路", "活动", "俱乐部", "数据洞察", "登录"):
        assert label in page, (path, label)
    assert 'lang="zh-hans"' in page
    assert 'name="viewport"' in page


def test_language_switcher_sets_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/routes/"})
    assert response.status_code == 302 and response.url == "/routes/"
    page = client.get("/routes/").content.decode()
    assert 'lang="en"' in page and "Routes" in page and "Insights" in page


def test_account_menu_for_logged_in_rider(client, rider):
    client.force_login(rider)
    page = client.get("/").content.decode()
    assert rider.display_name in page and "退出登录" in page and "/me/" in page


def test_api_root_schema_and_offline_docs(client, db):
    assert client.get("/api/v1/").status_code == 200
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'src="([^"]+)"', docs)
    assert scripts and all(src.startswith(("/static/", "/api/docs/?")) for src in scripts)  # nothing off-site
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200 and "javascript" in init["Content-Type"]  # the start-up script, as a file


@pytest.mark.parametrize("path", ["/static/css/site.css", "/static/leaflet/leaflet.js"])
def test_static_files_are_served_locally(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    response.close()
    assert len(body) > 1000


def test_no_asset_is_loaded_from_another_host():
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html"), *ROOT.glob("static/**/*")]:
        if path.is_file():
            text = path.read_text(errors="ignore")
            offenders += [f"{path}: {m}" for m in re.findall(r'(?:src|href)="(?:https?:)?//[^"]+"', text)]
    assert offenders == []


def test_admin_is_for_staff_only(client, db):
    rider = UserFactory()
    client.force_login(rider)
    assert client.get("/admin/").status_code == 302
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_unknown_page_is_404_in_site_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_in_development_mail_links_follow_the_served_address(client, db, settings):
    settings.SITE_URL_FROM_REQUEST = True
    client.get("/", HTTP_HOST="127.0.0.1:8765")
    assert settings.SITE_URL == "http://127.0.0.1:8765"
    settings.SITE_URL_FROM_REQUEST = False  # production: the environment's SITE_URL stays
    settings.SITE_URL = "https://ride.example.cn"
    client.get("/", HTTP_HOST="127.0.0.1:8765")
    assert settings.SITE_URL == "https://ride.example.cn"


def test_a_favicon_so_no_page_logs_a_404(client, db):
    """Issue 25: every page answered /favicon.ico with 404."""
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"


def test_every_api_path_reaches_its_own_view_whatever_the_patterns_order():
    """The API's patterns are ordered for speed (the sign-up near the top, cycling/api_urls.py): that
    is safe while no pattern matches another's paths. A sample path of each resolves to it."""
    from django.urls import resolve

    from cycling import api_urls

    samples = {int: "7", str: "some-slug"}
    for pattern in api_urls.urlpatterns:
        route = str(pattern.pattern)
        path = re.sub(r"<(int|str):\w+>", lambda m: samples[int if m.group(1) == "int" else str], route)
        assert resolve(f"/api/v1/{path}").url_name == pattern.name, route
