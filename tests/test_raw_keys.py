"""Issue 11: every page a person sees in zh-hans shows human, translated labels: no internal key,
enum value, slug, constraint name or English left over. The demo is loaded and every page is
rendered as a visitor, a rider, an organizer and an analyst (and with bad search input); the
visible text's Latin words must be names, units or terms in ALLOWED."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from clubs.models import Club
from events.models import Event, Registration
from industry.models import Brand
from routes.models import Route
from tests.demo_snapshot import demo_loaded

# Latin words a Chinese page may show: names and terms people use as they are
ALLOWED = {
    "API", "CSV", "GPX", "KML", "GeoJSON", "FIT", "TCX", "QR", "ics", "km", "h", "m", "kg", "UTF", "BOM", "YYYY",
    "MM", "DD", "HH", "HC", "S", "M", "L", "XL", "XXL", "OK", "WGS", "GCJ", "OpenStreetMap", "Leaflet",
    "Xingtai", "Cycling", "Excel", "PNG", "SVG", "ID", "App", "VS", "vs", "PM", "AM",
    "Email", "E-mail",  # as Chinese interfaces write it
    "DNF", "DNS", "DSQ", "H", "SS", "UTF-8", "YYYY-MM", "gpx", "gz", "gzip",  # formats people type or pick
    "GPS", "SRTM", "iGPSport", "XOSS",  # terms and bike-computer brands written as they are
    "p", "statsmodels",  # a p-value is written p in Chinese statistics too; the library's own name
}
SKIP_TAGS = {"script", "style", "code", "pre", "svg", "textarea", "option", "title"}


class VisibleText(HTMLParser):
    """The text a person reads: no tags, attributes, scripts, code samples or form values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    """The text, without e-mail addresses and links people typed (a club's contact)."""
    parser = VisibleText()
    parser.feed(html)
    return re.sub(r"\S+@\S+|https?://\S+", " ", " ".join(parser.parts))


def raw_words(text: str, names: set[str]) -> list[str]:
    """Latin words that are not allowed terms nor people's or things' own names."""
    found = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_\-]*[A-Za-z0-9]|[A-Za-z]", text):
        if word in ALLOWED or word in names or word.lower() in names:
            continue
        found.append(word)
    return sorted(set(found))


@pytest.fixture
def demo_pages(transactional_db, settings, tmp_path, client):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    demo_loaded()
    analyst = User.objects.get(username="demo-organizer")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    event = Event.objects.exclude(status="draft").exclude(kind="club_ride").first()
    ride = Event.objects.filter(kind="club_ride").first()
    route = Route.objects.filter(status="published").first()
    club = Club.objects.first()
    registration = Registration.objects.filter(rider__username="demo-rider").first()
    public = ["/", "/routes/", f"/routes/{route.slug}/", "/routes/?min_distance_km=abc&near=abc",
              "/routes/?q=太行&category=road", "/events/", f"/events/{event.slug}/", f"/events/{ride.slug}/",
              f"/events/{event.slug}/start-list/", "/clubs/", f"/clubs/{club.slug}/", "/insights/",
              "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
              "/riders/demo-rider/"]
    rider = ["/me/", "/routes/rides/", "/events/mine/", f"/events/registrations/{registration.pk}/",
             f"/clubs/{club.slug}/"]
    organizer = ["/events/new/", f"/events/{event.slug}/manage/", f"/events/{event.slug}/checkin/",
                 f"/events/{event.slug}/edit/", f"/events/{event.slug}/categories/{event.categories.first().pk}/",
                 f"/clubs/{club.slug}/manage/", f"/clubs/{club.slug}/rides/new/", "/routes/new/",
                 f"/routes/{route.slug}/edit/", f"/routes/{route.slug}/cues/", "/insights/dashboard/",
                 "/insights/linkage/",
                 f"/insights/events/{event.slug}/", f"/insights/events/{event.slug}/sponsors/",
                 "/insights/sales/import/", "/clubs/new/"]
    names = {w for u in User.objects.all() for w in re.findall(r"[A-Za-z0-9_\-]+", f"{u.username} {u.display_name}")}
    for model in (Brand, Route, Event, Club):
        for obj in model.objects.all():
            for field in ("name", "title"):  # the Chinese fields: a Latin word there is the name itself
                names |= set(re.findall(r"[A-Za-z0-9_\-]+", str(getattr(obj, field, "") or "")))
    return {"anonymous": public, "demo-rider": rider, "demo-organizer": organizer}, names


def test_no_raw_key_on_any_page_in_zh_hans(client, demo_pages):
    pages, names = demo_pages
    problems = {}
    for who, urls in pages.items():
        client.logout()
        if who != "anonymous":
            client.force_login(User.objects.get(username=who))
        for url in urls:
            response = client.get(url, headers={"accept-language": "zh-hans"})
            assert response.status_code == 200, (who, url, response.status_code)
            words = raw_words(visible(response.content.decode()), names)
            if words:
                problems[f"{who} {url}"] = words
    assert problems == {}, "\n".join(f"{page}: {words}" for page, words in problems.items())


@pytest.mark.parametrize(("url", "data"), [
    ("/accounts/signup/", {"username": "x1", "email": "x1@example.com", "password1": "abc", "password2": "abc"}),
    ("/accounts/login/", {"login": "nobody", "password": "wrong"}),
])
def test_refusals_of_account_forms_are_in_chinese(client, db, url, data):
    page = client.post(url, data, headers={"accept-language": "zh-hans"}).content.decode()
    assert raw_words(visible(page), {"x1"}) == []
