"""Issue 26: every list page and list endpoint answers in a fixed number of queries whatever the
number of rows (no query per row). Each case seeds FEW rows, counts the queries of a request, adds
rows up to MANY, counts again: the two counts must be equal. The negative control shows the count
grows when a list reads a relation per row."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory
from tests.helpers import join, make_gpx

FEW, MANY = 2, 7

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


class World:
    """What the cases seed: an organizer's event with a paid category, a club, a rider."""

    def __init__(self, make_event, organizer):
        from clubs.services import club_create

        self.organizer = organizer
        self.make_event = make_event
        self.event = make_event(title="七里河骑行", capacity=100, categories=[
            {"name": "60公里", "name_en": "60 km", "capacity": 100, "fee_cny": Decimal("50")}])
        self.category = self.event.categories.get()
        self.club = club_create(founder=organizer, name="七里河车友会", join_policy="approval")
        self.rider = UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="male")
        self.events = self.routes = self.clubs = self.registered = self.members = self.rides = 0
        self.applicants = self.codes = self.results = 0

    def add_events(self, n):
        for _ in range(n):
            self.events += 1
            self.make_event(title=f"骑行{self.events}")

    def add_routes(self, n):
        from routes.services import route_import

        for _ in range(n):
            self.routes += 1
            route_import(owner=self.organizer, data=make_gpx(30), filename="r.gpx", name=f"线路{self.routes}",
                         publish=True)

    def add_clubs(self, n):
        from clubs.services import club_create

        for _ in range(n):
            self.clubs += 1
            club_create(founder=UserFactory(), name=f"车友会{self.clubs}")

    def add_registrations(self, n):
        """Riders in the organizer's event: paid, checked in, with a result; every third unpaid."""
        from events.models import Registration
        from events.services import registration_create
        from payments.models import Order
        from payments.services import dev_pay

        for _ in range(n):
            rider = UserFactory(date_of_birth=datetime.date(1990, 1, 1), gender="female")
            registration = registration_create(event=self.event, category=self.category, rider=rider)[0]
            if self.registered % 3 == 1:  # every third still owes (few and many alike): the roster shows its order
                self.registered += 1
                continue
            dev_pay(order=Order.objects.get(registration=registration))
            Registration.objects.filter(pk=registration.pk).update(
                checked_in_at=timezone.now(), result=f"0{self.registered % 10}:30:00")
            self.registered += 1

    def add_my_entries(self, n):
        """The rider's own entries (each a paid order) in new events."""
        from events.services import registration_create
        from payments.models import Order
        from payments.services import dev_pay

        for _ in range(n):
            self.events += 1
            event = self.make_event(title=f"我的骑行{self.events}", categories=[
                {"name": "30公里", "capacity": 10, "fee_cny": Decimal("20")}])
            registration = registration_create(event=event, category=event.categories.get(), rider=self.rider)[0]
            dev_pay(order=Order.objects.get(registration=registration))

    def add_rides(self, n):
        from routes.services import ride_upload

        for i in range(n):
            ride_upload(rider=self.rider, data=make_gpx(30, lat0=37.0 + i * 0.01), filename=f"ride{i}.gpx")

    def add_members(self, n):
        for _ in range(n):
            join(club=self.club, user=UserFactory())

    def add_applicants(self, n):
        from clubs.services import membership_apply

        for _ in range(n):
            membership_apply(club=self.club, user=UserFactory(), message="想加入", share_contact=True)

    def add_codes(self, n):
        from events.services import entry_codes_create

        entry_codes_create(event=self.event, category=self.category, count=n)

    def add_versions(self, n):
        from routes.models import Route
        from routes.services import route_import

        route = Route.objects.filter(owner=self.organizer).order_by("pk").first()
        if route is None:
            self.add_routes(1)
            route = Route.objects.filter(owner=self.organizer).order_by("pk").first()
            n -= 1
        for i in range(n):
            route_import(owner=self.organizer, data=make_gpx(30 + i), filename="v.gpx", route=route)


def _started(world):
    """Results and the start list show once the event has started."""
    from events.models import Event

    start = timezone.now() - datetime.timedelta(hours=1)
    Event.objects.filter(pk=world.event.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=5))


# (name, who is signed in, url, how rows are added, prepare)
CASES = [
    ("events page", None, "/events/", "add_events", None),
    ("events API", None, "/api/v1/events/", "add_events", None),
    ("routes page", None, "/routes/", "add_routes", None),
    ("routes API", None, "/api/v1/routes/", "add_routes", None),
    ("route page (its versions)", "organizer", "/routes/{route}/", "add_versions", None),
    ("clubs page", None, "/clubs/", "add_clubs", None),
    ("clubs API", None, "/api/v1/clubs/", "add_clubs", None),
    ("my events page", "rider", "/events/mine/", "add_my_entries", None),
    ("my orders page", "rider", "/payments/orders/", "add_my_entries", None),
    ("orders API", "rider", "/api/v1/orders/", "add_my_entries", None),
    ("rides page", "rider", "/routes/rides/", "add_rides", None),
    ("rides API", "rider", "/api/v1/rides/", "add_rides", None),
    ("manage page (roster)", "organizer", "/events/{event}/manage/", "add_registrations", None),
    ("roster API", "organizer", "/api/v1/events/{event}/roster/", "add_registrations", None),
    ("check-in page", "organizer", "/events/{event}/checkin/?find=1", "add_registrations", None),
    ("start list page", None, "/events/{event}/start-list/", "add_registrations", _started),
    ("results page", None, "/events/{event}/results/", "add_registrations", _started),
    ("results API", None, "/api/v1/events/{event}/results/", "add_registrations", _started),
    ("payments page", "organizer", "/payments/events/{event}/", "add_registrations", None),
    ("entry codes page", "organizer", "/events/{event}/codes/", "add_codes", None),
    ("club page", "organizer", "/clubs/{club}/", "add_members", None),
    ("club manage page", "organizer", "/clubs/{club}/manage/", "add_members", None),
    ("club members API", "organizer", "/api/v1/clubs/{club}/members/", "add_members", None),
    ("club applications API", "organizer", "/api/v1/clubs/{club}/applications/", "add_applicants", None),
]


@pytest.mark.parametrize(("who", "url", "adder", "prepare"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_a_list_answers_in_the_same_number_of_queries_for_few_and_many_rows(client, make_event, organizer, who,
                                                                            url, adder, prepare):
    from routes.models import Route

    world = World(make_event, organizer)
    add = getattr(world, adder)
    add(FEW)
    if prepare:
        prepare(world)
    if who:
        client.force_login(world.rider if who == "rider" else organizer)
    route = Route.objects.order_by("pk").first()
    url = url.format(event=world.event.slug, club=world.club.slug, route=route.slug if route else "")
    _queries(client, url)  # warm: caches and first-use lookups are not per row
    few = _queries(client, url)
    add(MANY - FEW)
    many = _queries(client, url)
    assert few == many, f"{url}: {few} queries for {FEW} rows, {many} for {MANY}"


def test_the_count_grows_when_a_list_reads_a_relation_per_row(make_event, organizer):
    """Negative control: the same measure sees a query per row when the relation is not joined."""
    from events.models import Event

    World(make_event, organizer).add_events(FEW)

    def names(joined: bool) -> int:
        events = Event.objects.all()
        events = events.select_related("created_by") if joined else events
        with CaptureQueriesContext(connection) as captured:
            [e.created_by.username for e in events]
        return len(captured.captured_queries)

    assert names(joined=True) == 1 and names(joined=False) == 1 + Event.objects.count()
