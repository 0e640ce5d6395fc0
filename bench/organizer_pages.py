"""Organizer pages at race size (issue 27): the manage page, the roster API, every event CSV, the
check-in devices' start list, the results upload and the ballot draw, at 500 and 5,000
registrations on a throwaway PostgreSQL, tasks inline (no Redis: the draw's messages are sent after
the response, not counted here).

Each request runs through Django's test client in this process: the time of one warm run, its
queries, and the peak of Python memory it allocated (tracemalloc, a second run). Goals: every page
< 300 ms and every request < 2 s at 5,000, queries not growing with rows.

Run: .venv/bin/python bench/organizer_pages.py [--sizes 500 5000]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from _django import on_postgres  # noqa: E402


def _race(n: int, tag: str):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from events.models import Category, Event, Registration
    from events.services import event_create, event_publish

    now = timezone.now()
    organizer = User.objects.create(username=f"org-{tag}", is_staff=False)
    event = event_create(created_by=organizer, title=f"race {tag}", kind="race",
                         starts_at=now - datetime.timedelta(hours=3), ends_at=now + datetime.timedelta(hours=3),
                         registration_opens_at=now - datetime.timedelta(days=20),
                         registration_closes_at=now - datetime.timedelta(days=1),
                         categories=[{"name": "100公里", "capacity": n + 100, "bib_start": 1, "bib_end": n + 1000}])
    event_publish(event=event)
    category = Category.objects.get(event=event)
    password = make_password(None)
    riders = User.objects.bulk_create([User(username=f"{tag}-{i}", display_name=f"骑手{i}", real_name=f"王{i}",
                                            mobile=f"+86138{i:08d}", password=password) for i in range(n)],
                                      batch_size=5000)
    Registration.objects.bulk_create([
        Registration(event=event, category=category, rider=r, status="confirmed", bib=i + 1, queued_at=now,
                     confirmed_at=now, checked_in_at=now - datetime.timedelta(hours=2)) for i, r in enumerate(riders)],
        batch_size=5000)
    Event.objects.filter(pk=event.pk).update(starts_at=now - datetime.timedelta(hours=3))
    return organizer, event


def _ballot(n: int, tag: str):
    from django.utils import timezone

    from accounts.models import User
    from events.models import Category, Event, Registration
    from events.services import event_create, event_publish

    now = timezone.now()
    organizer = User.objects.create(username=f"ballot-org-{tag}")
    event = event_create(created_by=organizer, title=f"ballot {tag}", kind="sportive",
                         starts_at=now + datetime.timedelta(days=30),
                         ends_at=now + datetime.timedelta(days=30, hours=4),
                         registration_opens_at=now - datetime.timedelta(days=10),
                         registration_closes_at=now + datetime.timedelta(days=20),
                         categories=[{"name": "ballot", "capacity": n // 5, "mode": "ballot", "bib_start": 1,
                                      "bib_end": n + 1000}])
    event_publish(event=event)
    category = Category.objects.get(event=event)
    riders = User.objects.bulk_create([User(username=f"b{tag}-{i}", email=f"b{tag}-{i}@example.com")
                                       for i in range(n)], batch_size=5000)
    Registration.objects.bulk_create([Registration(event=event, category=category, rider=r, status="entered",
                                                   queued_at=now) for r in riders], batch_size=5000)
    Event.objects.filter(pk=event.pk).update(registration_closes_at=now - datetime.timedelta(minutes=1))
    return organizer, event, category


def _measure(label: str, call) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        answer = call()
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        seconds = time.perf_counter() - started
    print(f"  {label:<28} {answer.status_code}  {seconds * 1000:8.1f} ms  {len(queries):4d} queries  "
          f"{len(body) / 1000:8.1f} KB", end="", flush=True)
    return answer


def _peak(call) -> float:
    tracemalloc.start()
    try:
        answer = call()
        if answer.streaming:
            for _chunk in answer.streaming_content:
                pass
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run(n: int) -> None:
    from django.test import Client

    from core.models import Outbox

    organizer, event = _race(n, f"r{n}")
    client = Client()
    client.force_login(organizer)
    pages = [("manage page", f"/events/{event.slug}/manage/"),
             ("roster API (a page)", f"/api/v1/events/{event.slug}/roster/"),
             ("roster CSV", f"/events/{event.slug}/export/roster.csv"),
             ("insurance CSV", f"/events/{event.slug}/export/insurance.csv"),
             ("check-in CSV", f"/events/{event.slug}/export/checkin.csv"),
             ("finance CSV", f"/payments/events/{event.slug}/finance.csv"),
             ("device start list (API)", f"/api/v1/events/{event.slug}/checkins/start-list/")]
    print(f"{n} registrations")
    for label, url in pages:
        client.get(url)  # warm
        _measure(label, lambda url=url: client.get(url))
        print(f"  {_peak(lambda url=url: client.get(url)):6.1f} MB peak")
    results = "bib,time\n" + "".join(f"{i + 1},{3 + i % 3}:{i % 60:02d}:{(i * 7) % 60:02d}\n" for i in range(n))

    def upload():
        from django.core.files.uploadedfile import SimpleUploadedFile
        return client.post(f"/events/{event.slug}/results/upload/",
                           {"file": SimpleUploadedFile("results.csv", results.encode())})

    _measure(f"results upload ({n} rows)", upload)
    print(f"  {_peak(upload):6.1f} MB peak")

    ballot_organizer, ballot_event, category = _ballot(n, f"b{n}")
    client.force_login(ballot_organizer)
    # the request alone: the messages it queued go out after the response (core.outbox), timed apart
    from django.core.signals import request_finished

    from core import outbox
    request_finished.disconnect(dispatch_uid="core.outbox.drain")
    try:
        _measure(f"ballot draw ({n} entries)",
                 lambda: client.post(f"/events/{ballot_event.slug}/categories/{category.pk}/", {"action": "draw"}))
    finally:
        request_finished.connect(outbox._drain_after_response, dispatch_uid="core.outbox.drain")
    pending = Outbox.objects.filter(status="pending").count()
    started = time.perf_counter()
    outbox._drain_after_response()
    print(f"\n  then after the response: {pending} messages queued, sent in {time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    options = parser.parse_args()
    with on_postgres() as ready:
        if not ready:
            return 1
        for n in options.sizes:
            run(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
