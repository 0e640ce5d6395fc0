"""A timed race with hand-computed answers (issue 29): one route of 4.4 km with a start, a feed station
closing at the gun + 1 h and a finish closing at the gun + 3 h; six riders and the reads the timing
systems send for them, written in each system's format."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from events.models import Event, Registration
from events.services import chips_import, registration_create
from tests.factories import UserFactory

H, M, S = 3600, 60, 1


@dataclass
class Race:
    event: Event
    gun: datetime.datetime
    seats: dict[str, Registration]  # A..F
    checkpoints: dict[str, object]  # START, CP1, FINISH

    def at(self, seconds: float) -> datetime.datetime:
        return self.gun + datetime.timedelta(seconds=seconds)


# (rider, code the system sends, point, seconds after the gun). A and F carry chips, the others send
# their bib. A's start reads come twice within the gap (one passing: the last read, when A leaves the
# mat) and A's finish read twice; B's feed station read is missing; C reaches the feed station after it
# closed; D is still out; E never starts; F finishes and is disqualified; ZZZZ9 is a chip no rider holds.
READS = [
    ("A", "AAAA1", "START", 10), ("A", "AAAA1", "START", 12), ("A", "AAAA1", "CP1", 30 * M),
    ("A", "AAAA1", "FINISH", 2 * H), ("A", "AAAA1", "FINISH", 2 * H + 3),
    ("B", "{B}", "START", 5), ("B", "{B}", "FINISH", H + 50 * M),
    ("C", "{C}", "START", 20), ("C", "{C}", "CP1", H + 10 * M),
    ("D", "{D}", "START", 8), ("D", "{D}", "CP1", 40 * M),
    ("F", "FFFF6", "START", 15), ("F", "FFFF6", "CP1", 35 * M), ("F", "FFFF6", "FINISH", H + 40 * M),
    (None, "ZZZZ9", "CP1", 50 * M),
]


@pytest.fixture
def race(make_event, make_route):
    from timing.services import checkpoint_save

    route = make_route()
    version = route.versions.get()
    event = make_event(kind="race", categories=[{"name": "长线", "name_en": "Long", "capacity": 10,
                                                   "route_version": version}])
    category = event.categories.get()
    people = {"A": ("male", datetime.date(1990, 5, 1)), "B": ("female", datetime.date(1985, 5, 1)),
              "C": ("male", datetime.date(1960, 5, 1)), "D": ("male", datetime.date(1992, 5, 1)),
              "E": ("female", datetime.date(2000, 5, 1)), "F": ("male", datetime.date(1991, 5, 1))}
    seats = {name: registration_create(event=event, category=category,
                                       rider=UserFactory(gender=gender, date_of_birth=born))[0]
             for name, (gender, born) in people.items()}
    chips_import(event=event, data=f"bib,tag\n{seats['A'].bib},AAAA1\n{seats['F'].bib},FFFF6\n".encode())
    gun = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2, minutes=30)
    Event.objects.filter(pk=event.pk).update(starts_at=gun, ends_at=gun + datetime.timedelta(hours=5))
    event.refresh_from_db()
    Registration.objects.filter(pk__in=[s.pk for s in seats.values()]).update(checked_in_at=gun)
    checkpoints = {
        "START": checkpoint_save(event=event, route_version_id=version.pk, name="起点", kind="start", distance_m=0,
                                 point="START", closings={}),
        "CP1": checkpoint_save(event=event, route_version_id=version.pk, name="补给站", kind="feed",
                               distance_m=1500, point="CP1",
                               closings={category.pk: gun + datetime.timedelta(hours=1)}),
        "FINISH": checkpoint_save(event=event, route_version_id=version.pk, name="终点", kind="finish",
                                  distance_m=int(version.distance_m), point="FINISH",
                                  closings={category.pk: gun + datetime.timedelta(hours=3)}),
    }
    return Race(event, gun, {k: Registration.objects.get(pk=v.pk) for k, v in seats.items()}, checkpoints)


def reads_of(race: Race) -> list[tuple[str, str, datetime.datetime]]:
    """(code, point, instant) of every read, in the order they happened."""
    bibs = {f"{{{name}}}": str(seat.bib) for name, seat in race.seats.items()}
    return [(bibs.get(code, code), point, race.at(seconds)) for _rider, code, point, seconds in READS]
