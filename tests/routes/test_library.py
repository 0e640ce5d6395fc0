"""The route library: permissions, search and filters, query counts, pages, downloads, map data."""

import json
from urllib.parse import quote

import gpxpy
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from routes.gcj02 import wgs84_to_gcj02
from routes.models import Collection, Route, Tag
from tests.factories import UserFactory
from tests.routes.conftest import make_gpx


def _slugs(response) -> list[str]:
    return [r["slug"] for r in response.json()["results"]]


# --- permissions --------------------------------------------------------------------------------

def test_private_route_is_404_for_others_and_visible_to_owner(client, organizer, make_route):
    route = make_route(visibility=Route.Visibility.PRIVATE, name="私人线路")
    url, api = f"/routes/{quote(route.slug)}/", f"/api/v1/routes/{quote(route.slug)}/"
    assert client.get(url).status_code == 404
    assert client.get(api).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(api).status_code == 404
    assert client.get(url + "download/gpx/").status_code == 404
    client.force_login(organizer)
    assert client.get(url).status_code == 200
    assert client.get(api).status_code == 200


def test_draft_route_is_hidden_from_everyone_but_owner_and_staff(client, make_route):
    route = make_route(status=Route.Status.DRAFT, name="草稿线路")
    assert client.get(f"/api/v1/routes/{quote(route.slug)}/").status_code == 404
    assert route.slug not in _slugs(client.get("/api/v1/routes/"))
    client.force_login(UserFactory(is_staff=True))
    assert client.get(f"/api/v1/routes/{quote(route.slug)}/").status_code == 200


def test_club_route_is_hidden_from_non_members(client, make_route):
    from tests.factories import ClubFactory

    route = make_route(visibility=Route.Visibility.CLUB, name="俱乐部线路", club=ClubFactory())
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/routes/{quote(route.slug)}/").status_code == 404
    assert route.slug not in _slugs(client.get("/api/v1/routes/"))


def test_only_owner_or_staff_may_upload_a_new_version(client, organizer, published_route):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/routes/{quote(published_route.slug)}/versions/new/"
    client.force_login(UserFactory())
    assert client.post(url, {"gpx": SimpleUploadedFile("v.gpx", make_gpx())}).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    assert client.post(url, {"gpx": SimpleUploadedFile("v.gpx", make_gpx())}).status_code == 302
    assert published_route.versions.count() == 2


# --- search -------------------------------------------------------------------------------------

@pytest.fixture
def library(make_route):
    taihang = Collection.objects.create(slug="riding-taihang", name="骑行太行", name_en="Riding Taihang")
    hills = Tag.objects.create(slug="hills", name="山路", name_en="Hills")
    flat = make_route(name="城市绿道", name_en="City greenway", category=Route.Category.GREENWAY,
                      gpx={"points": 100, "climb_m": 0})
    climb = make_route(name="太行爬坡", category=Route.Category.MOUNTAIN, collection=taihang,
                       gpx={"points": 400, "climb_m": 600, "lat0": 37.2, "lon0": 114.0})
    climb.tags.add(hills)
    far = make_route(name="远方线路", gpx={"points": 200, "lat0": 40.0, "lon0": 116.3})
    return {"flat": flat, "climb": climb, "far": far}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=greenway", ["flat"]),
        ("collection=riding-taihang", ["climb"]),
        ("tag=hills", ["climb"]),
        ("q=太行", ["climb"]),
        ("q=greenway", ["flat"]),
        ("q=山路", ["climb"]),
        ("min_gain_m=300", ["climb"]),
        ("max_gain_m=50", ["flat"]),
        ("min_distance_km=6", ["climb"]),
        ("max_distance_km=3", ["flat"]),
        ("bbox=39.5,116,40.5,117", ["far"]),
        ("near=37.05,114.5&radius_km=100", ["flat", "climb"]),
        ("near=40.0,116.3&radius_km=5", ["far"]),
    ],
)
def test_search_filters(client, library, query, expected):
    slugs = _slugs(client.get(f"/api/v1/routes/?{query}"))
    assert sorted(slugs) == sorted(library[name].slug for name in expected)


def test_a_route_matching_by_its_name_and_two_tags_is_listed_once(client, library):
    """The text search finds a route by its tags through a subquery (issue 27: joining the tags and
    DISTINCT over 100,000 routes took 654 ms on PostgreSQL): once, whatever matches."""
    climb, flat = library["climb"], library["flat"]
    climb.tags.add(Tag.objects.create(slug="views", name="太行山景", name_en="Mountain views"))  # and 山路
    flat.tags.add(Tag.objects.get(slug="views"))  # found by this tag alone
    for text, expected in [("山", [climb, flat]), ("太行", [climb, flat]), ("Mountain", [climb, flat]),
                           ("绿道", [flat])]:
        answer = client.get("/api/v1/routes/", {"q": text}).json()
        assert sorted(r["slug"] for r in answer["results"]) == sorted(r.slug for r in expected), text
        assert answer["count"] == len(expected), text


def test_near_search_is_sorted_by_distance(client, library):
    body = client.get("/api/v1/routes/?near=37.2,114.0&radius_km=200").json()
    assert [r["slug"] for r in body["results"]] == [library["climb"].slug, library["flat"].slug]
    assert body["results"][0]["near_km"] < 1 < body["results"][1]["near_km"]


def test_difficulty_filter(client, library):
    difficulty = library["climb"].current_version.difficulty
    assert library["climb"].slug in _slugs(client.get(f"/api/v1/routes/?difficulty={difficulty}"))
    assert library["flat"].slug not in _slugs(client.get(f"/api/v1/routes/?difficulty={difficulty}"))


@pytest.mark.parametrize("query", ["near=abc", "near=95,10", "bbox=1,2,3", "difficulty=9", "min_distance_km=-1"])
def test_bad_search_input_is_400_in_callers_language(client, db, query):
    response = client.get(f"/api/v1/routes/?{query}", headers={"accept-language": "zh-hans"})
    assert response.status_code == 400
    assert response.json()


def test_search_page_shows_filtered_results(client, library):
    page = client.get("/routes/?category=mountain").content.decode()
    assert "太行爬坡" in page and "城市绿道" not in page
    assert "没有符合条件的线路" in client.get("/routes/?q=nothing-like-this").content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_page_size(client, make_route):
    tag = Tag.objects.create(slug="t", name="标签")
    collection = Collection.objects.create(slug="c", name="合集")
    for i in range(50):
        route = make_route(name=f"线路{i}", collection=collection, gpx={"points": 20})
        route.tags.add(tag)
    one = _queries(client, "/api/v1/routes/?page_size=1")
    fifty = _queries(client, "/api/v1/routes/?page_size=50")
    assert one == fifty
    assert _queries(client, "/routes/") == _queries(client, "/routes/?q=线路1")
    near_one = _queries(client, "/api/v1/routes/?page_size=1&near=37.05,114.5")
    near_fifty = _queries(client, "/api/v1/routes/?page_size=50&near=37.05,114.5")
    assert near_one == near_fifty
    # the page's own pager (24 a page): its link carries the page, with or without a search
    first = client.get("/routes/").content.decode()
    assert 'href="?page=2"' in first and "??" not in first
    second = client.get("/routes/?page=2").content.decode()
    assert "2 / 3" in second and 'href="?page=3"' in second
    assert 'href="?q=%E7%BA%BF%E8%B7%AF&amp;page=2"' in client.get("/routes/?q=线路").content.decode()


# --- pages and API detail -------------------------------------------------------------------

def test_route_page_shows_statistics_map_profile_and_downloads(client, published_route):
    page = client.get(f"/routes/{quote(published_route.slug)}/").content.decode()
    assert 'id="route-map"' in page and "leaflet/leaflet.js" in page and 'id="route-map-data"' in page
    assert "<svg" in page and "海拔剖面" in page
    assert "download/gpx/" in page and "download/geojson/" in page and "download/original/" in page
    assert "骑行时间" in page


def test_route_page_without_elevation_says_distance_only(client, make_route):
    route = make_route(gpx={"with_ele": False})
    page = client.get(f"/routes/{quote(route.slug)}/").content.decode()
    assert "distance-only" in page and "<svg" not in page


def test_route_page_never_reads_the_gpx_file(client, organizer, make_route, monkeypatch):
    small = make_route(name="小文件", gpx={"points": 100})
    big = make_route(name="大文件", gpx={"points": 20_000})
    from django.db.models.fields.files import FieldFile

    def refuse(*args, **kwargs):
        raise AssertionError("the route page opened the GPX file")

    with monkeypatch.context() as patch:
        patch.setattr(FieldFile, "open", refuse)
        patch.setattr(FieldFile, "read", refuse)
        counts = [_queries(client, f"/routes/{quote(r.slug)}/") for r in (small, big)]
        api_counts = [_queries(client, f"/api/v1/routes/{quote(r.slug)}/") for r in (small, big)]
    assert counts[0] == counts[1] and api_counts[0] == api_counts[1]
    assert len(big.current_version.line[0]) <= 1500 and len(big.current_version.profile) <= 501


def test_riding_time_at_a_chosen_speed(client, published_route):
    from routes.geo import riding_time_hours

    v = published_route.current_version
    hours = riding_time_hours(v.distance_m, v.elevation_gain_m, 10)
    expected = f"{round(hours * 60) // 60}:{round(hours * 60) % 60:02d}"
    assert expected in client.get(f"/routes/{quote(published_route.slug)}/?speed=10").content.decode()


def test_older_version_stays_readable(client, organizer, published_route):
    from routes.services import route_import

    route_import(owner=organizer, route=published_route, data=make_gpx(points=300), filename="v2.gpx")
    page = client.get(f"/routes/{quote(published_route.slug)}/?version=1").content.decode()
    assert ">200<" in page  # version 1's point count
    assert client.get(f"/routes/{quote(published_route.slug)}/download/gpx/?version=1").status_code == 200


# --- downloads ----------------------------------------------------------------------------------

def test_downloads_are_attachments_with_nosniff(client, published_route):
    base = f"/routes/{quote(published_route.slug)}/download"
    gpx_response = client.get(f"{base}/gpx/")
    assert gpx_response["Content-Disposition"].startswith("attachment;")
    assert gpx_response["X-Content-Type-Options"] == "nosniff"
    cleaned = gpxpy.parse(gpx_response.content.decode())
    assert cleaned.get_track_points_no() == 200
    original = client.get(f"{base}/original/")
    assert original.content == make_gpx() and original["X-Content-Type-Options"] == "nosniff"
    geo = json.loads(client.get(f"{base}/geojson/").content)
    assert geo["type"] == "FeatureCollection"
    assert len(geo["features"][0]["geometry"]["coordinates"][0]) == 200
    assert client.get(f"{base}/kml/").status_code == 404


# --- map data -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [((39.915, 116.404), (39.91640428150164, 116.41024449916938)),  # reference values of coordtransform
     ((48.85, 2.35), (48.85, 2.35))],  # outside China: unchanged
)
def test_gcj02_reference_points(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


def test_map_is_drawn_in_gcj02_for_chinese_tiles_and_stored_data_stays_wgs84(client, published_route, settings):
    settings.MAP_TILE_CRS = "gcj02"
    settings.MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    page = client.get(f"/routes/{quote(published_route.slug)}/").content.decode()
    data = json.loads(page.split('id="route-map-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    stored = published_route.current_version.line[0][0]
    assert data["line"][0][0] == pytest.approx(list(wgs84_to_gcj02(*stored)))
    assert data["line"][0][0] != pytest.approx(stored, abs=1e-4)
    published_route.current_version.refresh_from_db()
    assert published_route.current_version.line[0][0] == stored


def test_map_without_tiles_still_has_the_line(client, published_route, settings):
    settings.MAP_TILE_URL = ""
    page = client.get(f"/routes/{quote(published_route.slug)}/").content.decode()
    data = json.loads(page.split('id="route-map-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert data["tiles"] == "" and len(data["line"][0]) > 10


# --- editing ------------------------------------------------------------------------------------

def test_owner_edits_route_on_the_page(client, organizer, make_route):
    route = make_route(status=Route.Status.DRAFT, name="待发布")
    tag = Tag.objects.create(slug="river", name="河")
    client.force_login(organizer)
    url = f"/routes/{quote(route.slug)}/edit/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "七里河", "name_en": "Qilihe", "description": "", "description_en": "",
                                 "category": "greenway", "surface": "paved", "region": "xiangdu",
                                 "tags": [tag.pk], "collection": "", "status": "published", "visibility": "public"})
    assert response.status_code == 302
    route.refresh_from_db()
    assert (route.name, route.status, route.region) == ("七里河", "published", "xiangdu")
    assert list(route.tags.all()) == [tag]


def test_others_cannot_edit_and_private_stays_hidden(client, make_route):
    public = make_route(name="公开")
    private = make_route(name="私密", visibility=Route.Visibility.PRIVATE)
    client.force_login(UserFactory())
    assert client.get(f"/routes/{quote(public.slug)}/edit/").status_code == 403
    assert client.get(f"/routes/{quote(private.slug)}/edit/").status_code == 404
    api = f"/api/v1/routes/{quote(public.slug)}/"
    assert client.patch(api, {"name": "x"}, content_type="application/json").status_code == 403
    public.refresh_from_db()
    assert public.name == "公开"


def test_owner_archives_route_through_the_api(client, organizer, make_route):
    route = make_route(name="旧线路")
    client.force_login(organizer)
    response = client.patch(f"/api/v1/routes/{quote(route.slug)}/", {"status": "archived", "tags": []},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "archived"
    client.logout()
    assert route.slug not in _slugs(client.get("/api/v1/routes/"))


def test_api_edit_bad_value_is_400(client, organizer, make_route):
    route = make_route(name="线路")
    client.force_login(organizer)
    response = client.patch(f"/api/v1/routes/{quote(route.slug)}/", {"category": "rocket"},
                            content_type="application/json")
    assert response.status_code == 400
    route.refresh_from_db()
    assert route.category == "road"
