"""Fault test (issue 10): Redis stops in the middle of a burst of sign-ups and club actions on
PostgreSQL. No committed request answers 5xx; logging in and resetting a password still work;
once Redis is back, what beat does (drain the outbox) sends every e-mail exactly once; seats and
counts are exact. Runs in CI (markers postgres and redis: make test starts both)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from clubs.models import Membership
from clubs.services import club_create
from core import outbox
from core.models import Outbox
from events.models import Registration
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _in_thread(call):
    """Each request from a pool thread; its database connection closed afterwards."""
    def run(*args):
        try:
            return call(*args)
        finally:
            connection.close()
    return run


def test_redis_stopped_in_a_burst_loses_nothing(redis_outage, make_event, organizer, monkeypatch):
    monkeypatch.setattr(outbox, "KICK_INTERVAL", 0)  # every commit tries to queue the sender: each one meets the outage
    event = make_event(capacity=25, categories=[{"name": "60公里", "capacity": 25, "waitlist_enabled": True}])
    category = event.categories.get()
    owner = UserFactory()
    club = club_create(founder=owner, name="七里河车友会", join_policy="approval")
    riders = [UserFactory() for _ in range(40)]
    applicants = [UserFactory() for _ in range(8)]

    @_in_thread
    def sign_up(rider):
        client = Client()
        client.force_login(rider)
        return client.post(f"/api/v1/events/{event.slug}/registrations/", {"category": category.pk},
                           content_type="application/json").status_code

    @_in_thread
    def apply(rider):
        client = Client()
        client.force_login(rider)
        return client.post(f"/clubs/{club.slug}/apply/", {"message": "想加入"}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        started = time.perf_counter()
        before = list(pool.map(sign_up, riders[:10]))  # Redis up
        up = time.perf_counter() - started
        redis_outage.stop()
        started = time.perf_counter()
        during = list(pool.map(sign_up, riders[10:])) + list(pool.map(apply, applicants))
        down = time.perf_counter() - started
    print(f"\n10 sign-ups with Redis up: {up:.2f} s; 30 sign-ups + 8 applications with Redis down: {down:.2f} s"
          " (4 threads; every commit tries to queue the sender)")
    owner_client = Client()
    owner_client.force_login(owner)
    announced = owner_client.post(f"/clubs/{club.slug}/announce/", {"subject": "周六骑行", "body": "七点集合"})
    login = Client().post("/accounts/login/", {"login": riders[0].username, "password": PASSWORD})
    reset = Client().post("/accounts/password/reset/", {"email": riders[1].email})
    health, ready = Client().get("/healthz"), Client().get("/readyz")

    statuses = before + during + [announced.status_code, login.status_code, reset.status_code]
    assert all(code < 500 for code in statuses), statuses
    assert before + during[:30] == [201] * 40 and during[30:] == [302] * 8
    assert (announced.status_code, login.status_code, reset.status_code) == (302, 302, 302)
    assert health.status_code == 200 and ready.status_code == 503  # in the balancer; the details say why
    assert mail.outbox == []  # nothing was sent while Redis was down: every e-mail waits in the outbox

    # counts are exact
    category.refresh_from_db()
    assert Registration.objects.filter(event=event, status="confirmed").count() == 25 == category.confirmed_count
    assert Registration.objects.filter(event=event, status="waitlisted").count() == 15
    assert Membership.objects.filter(club=club, state="pending").count() == 8

    redis_outage.start()  # Redis is back; beat drains the outbox every minute
    mail.outbox.clear()
    # 40 sign-ups, 8 applications to the admin, 1 announcement, 1 password reset
    assert outbox.send_due() == 40 + 8 + 1 + 1
    assert outbox.send_due() == 0  # a second beat run sends nothing twice
    assert not Outbox.objects.filter(status__in=["pending", "failed"]).exists()
    received: dict[str, list[str]] = {}
    for message in mail.outbox:
        received.setdefault(message.to[0], []).append(message.subject)
    assert all(len(received[rider.email]) == 1 for rider in riders if rider != riders[1])  # each told once
    assert len(received[riders[1].email]) == 2  # the sign-up and the password reset
    assert len(received[owner.email]) == 9 and sum("周六骑行" in s for s in received[owner.email]) == 1
    assert len(mail.outbox) == 50
