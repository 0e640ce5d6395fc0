"""Race day at race size (issue 28): the time a check-in device takes to download a 5,000-rider start
list, and to sync 5,000 actions (ten batches of 500, as the app sends them), on a throwaway
PostgreSQL, through Django's test client in this process (no network between). Then the same 5,000
again (a device that lost the answers and retries: every item a duplicate), and the pull of what
changed since the first list (the cursor). Each figure is the median of --runs runs on fresh nonces.

Run: .venv/bin/python bench/checkin_sync.py [--riders 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from _django import on_postgres  # noqa: E402


def _race(n: int):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from events.models import Category, Registration
    from events.services import event_create, event_publish

    now = timezone.now()
    organizer = User.objects.create(username="org")
    event = event_create(created_by=organizer, title="race", kind="race", starts_at=now + datetime.timedelta(hours=3),
                         ends_at=now + datetime.timedelta(hours=9),
                         registration_opens_at=now - datetime.timedelta(days=20),
                         registration_closes_at=now - datetime.timedelta(days=1),
                         categories=[{"name": "100公里", "capacity": n + 100, "bib_start": 1, "bib_end": n + 1000}])
    event_publish(event=event)
    category = Category.objects.get(event=event)
    password = make_password(None)
    riders = User.objects.bulk_create([User(username=f"r{i}", real_name=f"王{i}", mobile=f"+86138{i:08d}",
                                            password=password) for i in range(n)], batch_size=5000)
    Registration.objects.bulk_create([Registration(event=event, category=category, rider=r, status="confirmed",
                                                   bib=i + 1, queued_at=now, confirmed_at=now)
                                      for i, r in enumerate(riders)], batch_size=5000)
    return organizer, event


def _timed(call):
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _send(client, base: str, batches: list[str], expected: str) -> None:
    for body in batches:
        reply = client.post(f"{base}/sync/", body, content_type="application/json")
        assert reply.status_code == 200 and {r["outcome"] for r in reply.json()["results"]} == {expected}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--riders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with on_postgres() as ready:
        if not ready:
            return 1
        from django.test import Client
        from django.utils import timezone

        from events.models import CheckinScan, Registration
        from events.services import checkin_code

        organizer, event = _race(options.riders)
        client = Client()
        client.force_login(organizer)
        base = f"/api/v1/events/{event.slug}/checkins"
        entries = list(Registration.objects.filter(event=event).order_by("pk"))
        codes = [checkin_code(r) for r in entries]
        figures: dict[str, list[float]] = {"download": [], "sync": [], "resend": [], "pull": []}
        size = 0
        for run in range(options.runs):
            seconds, answer = _timed(lambda: client.get(f"{base}/start-list/"))
            assert answer.status_code == 200 and len(answer.json()["entries"]) == options.riders
            size = len(answer.content)
            figures["download"].append(seconds)
            cursor = answer.json()["cursor"]
            now = timezone.now()
            actions = [{"nonce": f"run{run}-{i:06d}", "action": "checkin" if i % 2 else "pickup",
                        "at": (now - datetime.timedelta(seconds=i % 3000)).isoformat(), "device": f"phone{i % 4}",
                        **({"code": codes[i % len(codes)]} if i % 3
                           else {"registration": entries[i % len(entries)].pk})} for i in range(5000)]
            batches = [json.dumps({"scans": actions[i:i + 500]}) for i in range(0, 5000, 500)]
            figures["sync"].append(_timed(lambda b=batches: _send(client, base, b, "applied"))[0])
            figures["resend"].append(_timed(lambda b=batches: _send(client, base, b, "duplicate"))[0])
            seconds, answer = _timed(lambda c=cursor: client.get(f"{base}/start-list/?since={c}"))
            figures["pull"].append(seconds)
        assert CheckinScan.objects.filter(event=event).count() == 5000 * options.runs
        print(f"{options.riders} riders, PostgreSQL, median of {options.runs} runs")
        download = statistics.median(figures["download"]) * 1000
        print(f"  download the start list: {download:.0f} ms ({size / 1e6:.2f} MB)")
        print(f"  sync 5,000 actions (10 batches of 500): {statistics.median(figures['sync']) * 1000:.0f} ms")
        print(f"  the same 5,000 again (all duplicates): {statistics.median(figures['resend']) * 1000:.0f} ms")
        print(f"  pull what changed since the first list: {statistics.median(figures['pull']) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
