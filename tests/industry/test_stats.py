"""Participation statistics against hand-counted fixtures; idempotent and safe to rerun."""

import datetime

import pytest
from django.utils import timezone

from clubs.services import club_create
from events.models import Registration
from industry import stats
from industry.models import Brand, EventStat, MonthlyStat, StatRun
from tests.factories import UserFactory
from tests.helpers import join, race_started


@pytest.fixture
def raced(make_event):
    """An event on a known day with six riders whose every attribute is chosen."""
    local = Brand.objects.create(slug="xinghe", name="星河", is_local=True)
    other = Brand.objects.create(slug="far", name="远方", is_local=False)
    event = make_event(capacity=3)
    day = timezone.localtime(event.starts_at).date()
    club = club_create(founder=UserFactory(), name="车队")

    def rider(gender, age, area, brand, birthday_passed=True):
        born = day.replace(year=day.year - age)
        if not birthday_passed:
            born += datetime.timedelta(days=1)  # turns `age` the day after the event: still age - 1
        return UserFactory(gender=gender, date_of_birth=born, home_area=area, bike_brand=brand,
                           home_area_other="北京" if area == "other" else "")

    people = [
        rider("male", 25, "xindu", local),           # confirmed, checked in, finished
        rider("female", 30, "xindu", local, False),  # 29 on the day; confirmed, checked in, DNF
        rider("female", 45, "other", other),         # confirmed, not checked in
        rider("male", 17, "", None),                 # waitlisted
        rider("male", 61, "guangzong", local),       # waitlisted then cancelled
        UserFactory(gender="undisclosed"),           # no birth date: waitlisted
    ]
    join(club=club, user=people[0])
    join(club=club, user=people[1])
    from events.services import checkin, checkin_code, registration_cancel, registration_create, results_import

    regs = [registration_create(event=event, category=event.categories.get(), rider=p)[0] for p in people]
    registration_cancel(registration=regs[4])
    checkin(event=event, code=checkin_code(regs[0]))
    checkin(event=event, code=checkin_code(regs[1]))
    race_started(event, checked_in=False)  # the two check-ins above are the real ones
    results_import(event=event, data=f"{regs[0].bib},1:30:00\n{regs[1].bib},DNF\n".encode())
    return event, people, club


def _table(dimension):
    return {row.bucket: (row.registered, row.confirmed, row.waitlisted, row.cancelled, row.checked_in, row.finished)
            for row in EventStat.objects.filter(dimension=dimension)}


def test_event_stats_match_the_hand_count(raced):
    event, _people, club = raced
    stats.event_stats_compute(event_ids=[event.pk])
    #                 reg conf wait canc in fin
    assert _table("total") == {"all": (6, 3, 2, 1, 2, 1)}
    assert _table("gender") == {"male": (3, 1, 1, 1, 1, 1), "female": (2, 2, 0, 0, 1, 0),
                                "undisclosed": (1, 0, 1, 0, 0, 0)}
    assert _table("age_band") == {"18-29": (2, 2, 0, 0, 2, 1), "40-49": (1, 1, 0, 0, 0, 0),
                                  "under-18": (1, 0, 1, 0, 0, 0), "60+": (1, 0, 0, 1, 0, 0),
                                  "unknown": (1, 0, 1, 0, 0, 0)}
    assert _table("locality") == {"local": (3, 2, 0, 1, 2, 1), "outside": (1, 1, 0, 0, 0, 0),
                                  "unknown": (2, 0, 2, 0, 0, 0)}
    assert _table("club") == {club.slug: (2, 2, 0, 0, 2, 1), "none": (4, 1, 2, 1, 0, 0)}
    assert _table("brand") == {"xinghe": (3, 2, 0, 1, 2, 1), "far": (1, 1, 0, 0, 0, 0), "unknown": (2, 0, 2, 0, 0, 0)}
    assert _table("brand_origin") == {"local": (3, 2, 0, 1, 2, 1), "other": (1, 1, 0, 0, 0, 0),
                                      "unknown": (2, 0, 2, 0, 0, 0)}
    today = timezone.localdate().isoformat()
    assert _table("day") == {today: (6, 3, 2, 1, 2, 1)}
    assert StatRun.objects.get(job="event_stats:partial").rows == len(EventStat.objects.all())


def test_monthly_stats_count_first_time_riders(make_event, riders):
    from events.services import registration_create

    early = make_event(starts_in_days=20, capacity=10)
    later = make_event(starts_in_days=80, capacity=10, closes_in_days=70)
    for rider in riders[:3]:
        registration_create(event=early, category=early.categories.get(), rider=rider)
    for rider in riders[1:5]:
        registration_create(event=later, category=later.categories.get(), rider=rider)
    stats.monthly_stats_compute()
    rows = {m.month: m for m in MonthlyStat.objects.all()}
    first = timezone.localtime(early.starts_at).date().replace(day=1)
    second = timezone.localtime(later.starts_at).date().replace(day=1)
    assert (rows[first].participants, rows[first].unique_riders, rows[first].first_time_riders) == (3, 3, 3)
    assert (rows[second].participants, rows[second].unique_riders, rows[second].first_time_riders) == (4, 4, 2)
    assert rows[first].events == rows[second].events == 1


def _snapshot():
    events = sorted(EventStat.objects.values_list("category_id", "dimension", "bucket", "registered", "confirmed",
                                                  "waitlisted", "cancelled", "checked_in", "finished"))
    months = sorted(MonthlyStat.objects.values_list("month", "participants", "events", "unique_riders",
                                                    "first_time_riders"))
    return events, months


def test_running_twice_leaves_the_same_tables(raced):
    stats.stats_compute_all()
    first = _snapshot()
    stats.stats_compute_all()
    assert _snapshot() == first
    assert EventStat.objects.count() == len(first[0])


def test_a_job_killed_halfway_and_rerun_leaves_the_same_tables(raced, monkeypatch):
    stats.stats_compute_all()
    clean = _snapshot()
    event = raced[0]
    Registration.objects.filter(event=event, status="waitlisted").update(status="cancelled")

    def crash():
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(stats, "BEFORE_WRITE", crash)
        with pytest.raises(SystemExit):
            stats.stats_compute_all()
    assert _snapshot() == clean  # nothing half-written
    stats.stats_compute_all()
    after = _snapshot()
    assert after != clean
    stats.stats_compute_all()
    assert _snapshot() == after
    total = EventStat.objects.get(dimension="total")
    assert (total.waitlisted, total.cancelled) == (0, 3)


def test_stale_buckets_disappear(raced):
    _event, people, _club = raced
    stats.stats_compute_all()
    assert EventStat.objects.filter(dimension="gender", bucket="undisclosed").exists()
    Registration.objects.filter(rider=people[5]).delete()
    stats.stats_compute_all()
    assert not EventStat.objects.filter(dimension="gender", bucket="undisclosed").exists()


def test_completing_an_event_queues_its_statistics(raced, django_capture_on_commit_callbacks):
    from events.services import event_complete

    event = raced[0]
    assert not EventStat.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        event_complete(event=event)
    assert EventStat.objects.filter(event=event, dimension="total").get().registered == 6
    assert MonthlyStat.objects.exists()


def test_deferred_statistics_are_noted_then_computed_all_at_once(raced, django_capture_on_commit_callbacks):
    """A loader completing many events (the demo) defers their statistics: the request is noted, no
    task computes it, and stats_compute_all() afterwards computes it and answers the request."""
    from events.services import event_complete

    event = raced[0]
    later = timezone.now() + stats.SWEEP_AFTER + datetime.timedelta(seconds=1)
    with stats.stats_deferred(), django_capture_on_commit_callbacks(execute=True):
        event_complete(event=event)
    assert not stats.stats_are_deferred()  # (only inside the block)
    assert not EventStat.objects.exists()
    assert StatRun.objects.filter(job=f"event:{event.pk}", finished_at__isnull=True).exists()
    assert stats.stats_overdue(now=later)  # noted and unanswered: the sweep would find it
    stats.stats_compute_all()
    assert EventStat.objects.filter(event=event, dimension="total").get().registered == 6
    assert not stats.stats_overdue(now=later)


def test_nightly_job_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"industry.compute_all_stats", "events.send_reminders", "clubs.send_dues_reminders"} <= tasks
