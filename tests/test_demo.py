"""load_demo creates the demo once; a second run changes nothing. The tests that only read what it
made read the per-process copy of it (tests/demo_snapshot.py: demo_load run once, ~3 s, then copied
in); the command itself is run by the tests of its output, its refusal and its second run."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from clubs.models import Club
from routes.models import Collection, Route, RouteVersion
from tests.demo_snapshot import demo_loaded


def _counts() -> dict[str, int]:
    from events.models import Event, Registration
    from industry.models import Brand, EventStat, MonthlyStat, SalesRecord

    models = (User, Route, RouteVersion, Collection, Club, Event, Registration, Brand, SalesRecord, EventStat,
              MonthlyStat)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def demo_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # credentials file goes here, not into the developer's var/
    settings.DEBUG = True
    return tmp_path


def test_load_demo_twice_creates_nothing_new(db, demo_dir):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = _counts()
    assert {k: first[k] for k in ("User", "Route", "RouteVersion", "Collection", "Club", "Brand")} == {
        "User": 405, "Route": 3, "RouteVersion": 3, "Collection": 1, "Club": 1, "Brand": 22}  # 400 synthetic riders
    assert first["SalesRecord"] == 22 * 36 * 3 and first["EventStat"] > 0 and first["MonthlyStat"] >= 12
    passwords_first = (demo_dir / "demo-credentials.json").read_text()
    hashes_first = list(User.objects.order_by("pk").values_list("password", flat=True))

    out2 = io.StringIO()
    call_command("load_demo", stdout=out2)
    assert _counts() == first
    assert (demo_dir / "demo-credentials.json").read_text() == passwords_first
    assert list(User.objects.order_by("pk").values_list("password", flat=True)) == hashes_first
    assert "created" not in out2.getvalue()


def test_load_demo_prints_accounts_that_can_log_in(client, db, demo_dir):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    lines = [line.split() for line in out.getvalue().splitlines() if line.startswith("  demo-")]
    assert {name for name, _ in lines} == {"demo-admin", "demo-organizer", "demo-rider", "demo-applicant",
                                           "demo-analyst"}
    for username, password in lines:
        response = client.post("/accounts/login/", {"login": username, "password": password})
        assert response.status_code == 302, username
        client.post("/accounts/logout/")
    organizer = User.objects.get(username="demo-organizer")
    assert organizer.groups.filter(name="organizers").exists()


def test_load_demo_routes_are_bilingual_published_and_say_geometry_is_approximate(db, demo_dir):
    demo_loaded()  # what load_demo loads (cycling.demo.demo_load), copied in after its first load
    routes = Route.objects.all()
    assert {r.slug for r in routes} == {"qilihe-greenway", "taihang-yingtan", "taihang-zijinshan"}
    for route in routes:
        assert route.status == Route.Status.PUBLISHED
        assert route.name and route.name_en
        assert "示意" in route.description and "approximate" in route.description_en
    taihang = Collection.objects.get(slug="riding-taihang")
    assert taihang.routes.count() == 2


def test_load_demo_refuses_production_without_flag(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = False
    with pytest.raises(CommandError, match="allow-production"):
        call_command("load_demo", stdout=io.StringIO())
    assert User.objects.count() == 0


def test_demo_routes_have_their_statistics(db, demo_dir):
    demo_loaded()  # what load_demo loads (cycling.demo.demo_load), copied in after its first load
    greenway = Route.objects.get(slug="qilihe-greenway").current_version
    assert greenway.is_loop and 15_000 < greenway.distance_m < 22_000
    assert greenway.elevation_gain_m < 30 and greenway.difficulty == 1
    assert greenway.pois.count() == 3
    for slug in ("taihang-yingtan", "taihang-zijinshan"):
        version = Route.objects.get(slug=slug).current_version
        assert version.elevation_gain_m > 500 and not version.is_loop
        assert version.climbs and all(c["category"] for c in version.climbs)
        assert version.min_lon >= 113.9 and version.max_lon <= 114.45


def test_load_demo_club_has_members_a_pending_application_and_a_ride(db, demo_dir):
    from clubs.models import Membership
    from events.models import Event

    demo_loaded()  # what load_demo loads (cycling.demo.demo_load), copied in after its first load
    club = Club.objects.get(slug="guangzong-riders")
    states = dict(club.memberships.values_list("user__username", "state"))
    assert states == {"demo-organizer": "active", "demo-rider": "active", "demo-applicant": "pending"}
    assert club.memberships.get(user__username="demo-organizer").role == Membership.Role.OWNER
    ride = Event.objects.get(club=club)
    assert ride.kind == "club_ride" and ride.members_only and ride.status == "published"
    assert ride.categories.get().route_version.route.slug == "qilihe-greenway"
    assert Event.objects.filter(slug__in=["qilihe-ride-festival", "taihang-challenge"]).count() == 2


def test_load_demo_industry_is_synthetic_and_has_a_sponsored_uplift(db, demo_dir):
    from industry.models import Sponsorship
    from industry.selectors import linkage

    demo_loaded()  # what load_demo loads (cycling.demo.demo_load), copied in after its first load
    sponsorship = Sponsorship.objects.get(brand__slug="xinghe-kids")
    assert "合成" in sponsorship.event.description or "synthetic" in sponsorship.event.description_en
    report = linkage(events=[sponsorship.event], months=6, viewer=User.objects.get(username="demo-admin"))
    row = next(r for r in report.brands if r.brand.slug == "xinghe-kids")
    # the raw change of the sponsor alone mixes in the season; against the comparison brands and
    # in the estimate with month effects the made-up +25% shows
    assert not row.thin and row.difference > 10
    main = next(e.result for e in row.estimates if e.key == "all")
    assert main.credible and main.estimate.effect.low_pct <= 25 <= main.estimate.effect.high_pct
