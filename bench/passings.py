"""Timing at race size (issue 29): 5,000 riders on a route with a start, three timing points and a
finish; 250,000 passings (50 a rider: each mat reads a chip ten times as it passes) imported as a
RACE RESULT decoder's files (one a timing point) on a throwaway PostgreSQL. Prints the time of the
whole import (goal: under 30 s), then the time to store a pushed batch of 1,000 new passings and
recount those riders' results and every ranking (goal: under 1 s), the median of --runs batches;
then the live and official results pages and APIs, one request each.

Run: .venv/bin/python bench/passings.py [--riders 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from _django import on_postgres  # noqa: E402

POINTS = [("START", "start", 0), ("CP1", "split", 25_000), ("CP2", "feed", 50_000), ("CP3", "split", 75_000),
          ("FINISH", "finish", 100_000)]
READS_A_MAT = 10


def _race(n: int):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from events.models import Category, Event, Registration
    from events.services import event_create, event_publish
    from routes.models import Route, RouteVersion
    from timing.models import Checkpoint, Timing

    now = timezone.now().replace(microsecond=0)
    organizer = User.objects.create(username="org")
    route = Route.objects.create(slug="taihang", name="太行", owner=organizer, status="published")
    version = RouteVersion.objects.create(route=route, number=1, gpx_file="x.gpx", uploaded_by=organizer,
                                          status="ready", distance_m=100_000,
                                          line=[[[37.0 + i / 1000, 114.0] for i in range(900)]])
    event = event_create(created_by=organizer, title="race", kind="race", starts_at=now + datetime.timedelta(days=1),
                         ends_at=now + datetime.timedelta(days=1, hours=9),
                         registration_opens_at=now - datetime.timedelta(days=20),
                         registration_closes_at=now - datetime.timedelta(days=1),
                         categories=[{"name": "100公里", "capacity": n + 100, "bib_start": 1, "bib_end": n + 1000,
                                      "route_version": version}])
    event_publish(event=event)
    gun = now - datetime.timedelta(hours=6)
    Event.objects.filter(pk=event.pk).update(starts_at=gun)
    event.refresh_from_db()
    category = Category.objects.get(event=event)
    password = make_password(None)
    riders = User.objects.bulk_create([User(username=f"r{i}", real_name=f"王{i}", password=password,
                                            gender=("male", "female")[i % 2],
                                            date_of_birth=datetime.date(1960 + i % 45, 1, 1)) for i in range(n)],
                                      batch_size=5000)
    Registration.objects.bulk_create([Registration(event=event, category=category, rider=r, status="confirmed",
                                                   bib=i + 1, queued_at=now, confirmed_at=now)
                                      for i, r in enumerate(riders)], batch_size=5000)
    Timing.objects.create(event=event)
    Checkpoint.objects.bulk_create([Checkpoint(event=event, route_version=version, name=name, kind=kind,
                                               distance_m=distance, point=name) for name, kind, distance in POINTS])
    return event, gun


def _files(n: int, gun: datetime.datetime, seed: int = 29) -> dict[str, list[str]]:
    """One decoder file a point: each rider's chip read READS_A_MAT times within 3 s as it passes."""
    from zoneinfo import ZoneInfo

    rng, zone = random.Random(seed), ZoneInfo("Asia/Shanghai")
    files: dict[str, list[tuple]] = {name: [] for name, _k, _d in POINTS}
    for bib in range(1, n + 1):
        speed = rng.uniform(22, 36) / 3.6  # m/s
        for name, _kind, distance in POINTS:
            at = gun + datetime.timedelta(seconds=rng.uniform(0, 60) + distance / speed)
            for read in range(READS_A_MAT):
                files[name].append((at + datetime.timedelta(milliseconds=300 * read), bib))
    lines = {}
    for name, reads in files.items():
        reads.sort()
        lines[name] = [f"{i};{bib};{at.astimezone(zone):%Y-%m-%d};{at.astimezone(zone):%H:%M:%S.%f};1;1;-60;0;1;1;1"
                       for i, (at, bib) in enumerate(reads, start=1)]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--riders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with on_postgres() as ready:
        if not ready:
            return 1
        from timing import formats
        from timing.models import Passing, Result
        from timing.services import passings_ingest

        event, gun = _race(options.riders)
        files = _files(options.riders, gun)
        total = sum(len(lines) for lines in files.values())
        held_back = {name: lines[-1000 * options.runs // len(files):] for name, lines in files.items()}
        started = time.perf_counter()
        for name, lines in files.items():
            keep = lines[:len(lines) - len(held_back[name])]
            passings_ingest(event=event, reads=formats.read("raceresult", "\n".join(keep)), source="raceresult",
                            device=f"decoder-{name}", point=name)
        whole = time.perf_counter() - started
        stored = Passing.objects.filter(event=event).count()
        finished = Result.objects.filter(event=event, status="finished").count()
        print(f"import {stored:,} passings for {options.riders:,} riders (5 RACE RESULT files): {whole:.1f} s "
              f"(goal < 30 s); {finished:,} finished")
        timings = []
        for run in range(options.runs):
            batch = [replace(read, point=name, key=f"{name}:{read.key}") for name in files
                     for read in formats.read("raceresult", "\n".join(
                         held_back[name][run * 1000 // len(files):(run + 1) * 1000 // len(files)]))]
            started = time.perf_counter()
            report = passings_ingest(event=event, reads=batch, source="api", device="forwarder")
            timings.append(time.perf_counter() - started)
            assert report.new == len(batch), report
        print(f"a pushed batch of 1,000 passings, stored and the results and rankings recounted: "
              f"median {statistics.median(timings) * 1000:.0f} ms of {options.runs} (goal < 1,000 ms); "
              f"{total:,} passings in all")
        from django.test import Client
        client = Client()
        for label, url in [("live results page", f"/events/{event.slug}/live/"),
                           ("its table (refreshed)", f"/events/{event.slug}/live/?part=table"),
                           ("live results API", f"/api/v1/events/{event.slug}/live-results/"),
                           ("results page", f"/events/{event.slug}/results/"),
                           ("results API", f"/api/v1/events/{event.slug}/results/")]:
            client.get(url)  # warm
            started = time.perf_counter()
            answer = client.get(url)
            print(f"{label}: {answer.status_code}, {(time.perf_counter() - started) * 1000:.1f} ms, "
                  f"{len(answer.content) / 1000:.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
