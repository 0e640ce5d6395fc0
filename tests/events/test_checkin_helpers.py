"""Issue 28: a check-in helper role per event, joined by the organizer's link (or its QR code), with
no other rights; a new link stops the old one; a removed helper loses access."""

import datetime
import json
from urllib.parse import unquote

from django.utils import timezone
from rest_framework.authtoken.models import Token

from events.models import EventHelper
from tests.factories import UserFactory


def _join_link(client, organizer, event):
    client.force_login(organizer)
    page = client.get(f"/events/{event.slug}/helpers/")
    assert page.status_code == 200 and b"<svg" in page.content
    link = unquote(page.context["link"])
    assert f"/events/{event.slug}/helpers/join/" in link
    client.logout()
    return link.split("testserver", 1)[1]


def test_a_helper_joins_by_the_link_and_may_check_in_and_nothing_else(client, make_event, organizer, riders):
    event = make_event()
    path = _join_link(client, organizer, event)
    helper = UserFactory()
    client.force_login(helper)
    assert client.get(f"/events/{event.slug}/checkin/").status_code == 404  # not yet
    invite = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert invite.status_code == 200 and "helper-join" in invite.content.decode()
    joined = client.post(path, follow=True)
    assert unquote(joined.redirect_chain[-1][0]) == f"/events/{event.slug}/checkin/"
    assert EventHelper.objects.filter(event=event, user=helper).count() == 1
    client.post(path)  # twice is once
    assert EventHelper.objects.filter(event=event, user=helper).count() == 1
    token = Token.objects.create(user=helper)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get(f"/api/v1/events/{event.slug}/checkins/start-list/", **auth).status_code == 200
    body = {"scans": [{"nonce": "helper-0001", "action": "checkin", "registration": 999999,
                       "at": (timezone.now() - datetime.timedelta(minutes=1)).isoformat()}]}
    synced = client.post(f"/api/v1/events/{event.slug}/checkins/sync/", json.dumps(body),
                         content_type="application/json", **auth)
    assert synced.status_code == 200 and synced.json()["results"][0]["outcome"] == "refused"
    for forbidden in (f"/events/{event.slug}/manage/", f"/events/{event.slug}/export/roster.csv",
                      f"/events/{event.slug}/export/insurance.csv", f"/events/{event.slug}/helpers/",
                      f"/events/{event.slug}/edit/", f"/events/{event.slug}/id-log/"):
        assert client.get(forbidden).status_code == 404, forbidden
    assert client.get(f"/api/v1/events/{event.slug}/roster/", **auth).status_code in (403, 404)


def test_a_new_link_stops_the_old_one_and_a_removed_helper_loses_access(client, make_event, organizer):
    event = make_event()
    old = _join_link(client, organizer, event)
    first = UserFactory()
    client.force_login(first)
    client.post(old)
    client.force_login(organizer)
    client.post(f"/events/{event.slug}/helpers/", {"action": "renew"})
    new = _join_link(client, organizer, event)
    assert new != old
    late = UserFactory()
    client.force_login(late)
    refused = client.post(old, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert refused.status_code == 200 and "not valid any more" in refused.content.decode()
    assert not EventHelper.objects.filter(user=late).exists()
    assert client.post(new).status_code == 302 and EventHelper.objects.filter(user=late).exists()
    client.force_login(first)
    assert client.get(f"/events/{event.slug}/checkin/").status_code == 200  # joined before: stays
    client.force_login(organizer)
    client.post(f"/events/{event.slug}/helpers/", {"action": "remove",
                                                   "helper": EventHelper.objects.get(user=first).pk})
    client.force_login(first)
    assert client.get(f"/events/{event.slug}/checkin/").status_code == 404


def test_a_made_up_code_joins_nobody(client, make_event):
    event = make_event()
    client.force_login(UserFactory())
    refused = client.post(f"/events/{event.slug}/helpers/join/0123456789abcdef0123/", HTTP_ACCEPT_LANGUAGE="zh-hans",
                          follow=True)
    assert refused.status_code == 200 and "链接" in refused.content.decode()
    assert not EventHelper.objects.exists()
    client.logout()
    assert client.get(f"/events/{event.slug}/helpers/join/x/").status_code == 302  # sign in first
