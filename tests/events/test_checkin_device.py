"""Issue 28: the check-in app's page, service worker and manifest. The page is the organizer's and
the check-in helpers' alone; the worker keeps the page and the assets the page loads (so the app
opens with no signal) and never an API answer; the manifest installs the app on a phone. The app
itself is driven in tests/browser/test_checkin_device_browser.py."""

import json
import re
from urllib.parse import quote

from events.models import EventHelper
from events.services import helper_join, helper_join_code
from tests.factories import UserFactory


def _app_data(page) -> dict:
    found = re.search(r'<script id="device-data" type="application/json">(.*?)</script>', page.content.decode(), re.S)
    return json.loads(found.group(1))


def test_the_app_is_the_organizers_and_the_helpers_alone(client, make_event, organizer):
    event = make_event()
    path = f"/events/{event.slug}/checkin/device/"
    assert client.get(path).status_code == 302  # signed out: to the sign-in page
    stranger, helper = UserFactory(), UserFactory()
    helper_join(event=event, user=helper, code=helper_join_code(event=event))
    client.force_login(stranger)
    assert client.get(path).status_code == 404
    for person in (organizer, helper):
        client.force_login(person)
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200
        data = _app_data(page)
        assert data["startList"] == quote(f"/api/v1/events/{event.slug}/checkins/start-list/")
        assert data["sync"] == quote(f"/api/v1/events/{event.slug}/checkins/sync/")
        assert data["timeZone"] == "Asia/Shanghai" and data["language"] == "zh-hans"
        assert data["text"]["statuses"]["cancelled"] == "已取消"
        assert "%(n)s" in data["text"]["onPhone"] and "%(message)s" in data["text"]["conflict"]
        html = page.content.decode()
        assert f'href="{quote(path)}manifest.webmanifest"' in html and f'data-worker="{quote(path)}sw.js"' in html
    EventHelper.objects.filter(user=helper).delete()  # removed: the app's page is gone at once
    assert client.get(path).status_code == 404


def test_the_worker_keeps_the_page_and_its_assets_and_no_api_answer(client, make_event):
    event = make_event()
    path = f"/events/{event.slug}/checkin/device/"
    worker = client.get(path + "sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert "no-cache" in worker["Cache-Control"] or "max-age=0" in worker["Cache-Control"]
    kept = json.loads(re.search(r"var ASSETS = (\[.*?\]);", worker.content.decode()).group(1))
    assert kept[0] == quote(path)  # as the browser's URL.pathname has it
    assert {"/static/js/checkin-device.js", "/static/vendor/jsqr/jsQR.js", "/static/css/site.css"} <= set(kept)
    assert not any("/api/" in asset for asset in kept)


def test_every_asset_the_app_page_loads_is_kept_for_offline_use(client, make_event, organizer):
    event = make_event()
    path = f"/events/{event.slug}/checkin/device/"
    client.force_login(organizer)
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', client.get(path).content.decode()))
    kept = json.loads(re.search(r"var ASSETS = (\[.*?\]);", client.get(path + "sw.js").content.decode()).group(1))
    assert loaded and loaded <= set(kept), loaded - set(kept)


def test_the_manifest_installs_the_app_in_its_own_scope(client, make_event):
    event = make_event()
    path = f"/events/{event.slug}/checkin/device/"
    answer = client.get(path + "manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["start_url"] == manifest["scope"] == quote(path) and manifest["display"] == "standalone"
    assert manifest["short_name"] == "签到" and manifest["lang"] == "zh-hans"
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200 and b"<svg" in b"".join(served.streaming_content)
