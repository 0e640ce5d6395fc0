"""Registration rush: gunicorn against PostgreSQL on loopback, thousands of sign-ups at once.

Starts a throwaway PostgreSQL and Redis (as `make test` does), gunicorn with production
settings, creates N riders with API tokens and one race with capacity C, then sends one sign-up
per rider at concurrency K, and in the same run the same number of requests to a trivial DRF
endpoint (the API index, same token authentication), after 200 sign-ups to a warm-up event and
200 index requests have warmed every worker on both paths. The two take turns, half the riders
at a time (sign-ups, index, index, sign-ups): each side's figures add its two halves. Prints
confirmed, waitlisted, duplicates, errors, throughput of both, their ratio and p50/p99 latency.

Targets (issue 27): exactly C confirmed, zero errors, sign-up throughput at least 0.75x the
trivial endpoint's, p99 under 400 ms. Also printed: the CPU each process (gunicorn, PostgreSQL,
Redis, this client) and the whole machine spent per request, from /proc, for both endpoints.

Run: .venv/bin/python bench/registration_rush.py [--riders 5000] [--capacity 500] [--concurrency 64] [--fee 120]
     [--workers N] (default: as gunicorn.conf.py deploys them: cores + 1 with PostgreSQL on this machine)
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import runpy
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from testenv import free_port, postgres, redis  # noqa: E402

SETUP = """
import datetime, json, sys
import django
django.setup()
from django.utils import timezone
from rest_framework.authtoken.models import Token
from accounts.models import User
from events.services import event_create, event_publish
n, capacity, fee = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
organizer = User.objects.create(username="rush-organizer", is_staff=True)
now = timezone.now()
def race(slug, title, seats):
    made = event_create(created_by=organizer, slug=slug, title=title, kind="race",
        starts_at=now + datetime.timedelta(days=30), ends_at=now + datetime.timedelta(days=30, hours=6),
        registration_opens_at=now - datetime.timedelta(minutes=1),
        registration_closes_at=now + datetime.timedelta(days=1),
        categories=[{"name": "100 km", "capacity": seats, "fee_cny": fee}])
    event_publish(event=made)
    return made
event, warm = race("rush", "Rush", capacity), race("warm-up", "Warm-up", WARM)
users = User.objects.bulk_create([User(username=f"rush{i}", email=f"rush{i}@example.invalid")
                                  for i in range(n + WARM)])
tokens = [t.key for t in Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])]
print(json.dumps({"category": event.categories.get().pk, "warm_category": warm.categories.get().pk,
                  "tokens": tokens[:n], "warm_tokens": tokens[n:]}))
""".replace("WARM", "200")

COUNT = """
import json, django
django.setup()
from django.db.models import Count
from events.models import Registration
rows = Registration.objects.filter(event__slug="rush")
dupes = rows.filter(status__in=["confirmed", "awaiting_payment", "waitlisted"]).values("rider").annotate(
    n=Count("id")).filter(n__gt=1)
bibs = rows.exclude(bib=None).values("bib").annotate(n=Count("id")).filter(n__gt=1)
from payments.models import Order
print(json.dumps({"confirmed": rows.filter(status="confirmed").count(),
                  "awaiting_payment": rows.filter(status="awaiting_payment").count(),
                  "orders": Order.objects.filter(registration__event__slug="rush").count(),
                  "waitlisted": rows.filter(status="waitlisted").count(),
                  "duplicate_riders": dupes.count(), "duplicate_bibs": bibs.count(), "rows": rows.count()}))
"""


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def load(port: int, requests: list[tuple[str, str, bytes | None, str]], concurrency: int):
    """Send (method, path, body, token) requests over keep-alive connections; returns latencies, answers."""
    local = threading.local()
    latencies: list[float] = []
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def one(request):
        method, path, body, token = request
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            local.conn.request(method, path, body=body, headers=headers)
            response = local.conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            local.conn.close()
            del local.conn
            status, payload = 0, str(exc).encode()
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            answers.append((status, payload))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, requests))
    return time.perf_counter() - started, latencies, answers


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) used so far by the gunicorn, PostgreSQL and benchmark processes
    (live ones; from /proc): where a request's cost goes."""
    out = {"gunicorn": 0.0, "postgres": 0.0, "client": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / TICKS
        if b"gunicorn" in command:
            out["gunicorn"] += used
        elif b"postgres" in command:
            out["postgres"] += used
        elif b"redis-server" in command:
            out["redis"] += used
        elif int(entry.name) == os.getpid():
            out["client"] += used
    busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    out["machine"] = (sum(map(int, busy)) - int(busy[3]) - int(busy[4])) / TICKS  # all but idle and iowait
    return out


CPU_KEYS = ("gunicorn", "postgres", "client", "redis", "machine")


def cpu_used(spent: dict[str, float], requests: int) -> str:
    return ", ".join(f"{name} {spent[name] / requests * 1000:.2f}" for name in CPU_KEYS)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--riders", type=int, default=5000)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--fee", default="0", help="the category's fee in yuan: >0 holds seats for payment")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn's sync workers; by default as gunicorn.conf.py deploys them")
    args = parser.parse_args()
    python = sys.executable
    with postgres() as database_url, redis() as redis_url:
        if database_url is None:
            sys.exit("PostgreSQL (initdb/pg_ctl) is needed for this benchmark")
        if args.workers is None:  # as deployed: PostgreSQL on this machine shares its cores (gunicorn.conf.py)
            args.workers = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["default_workers"](
                multiprocessing.cpu_count(), database_url)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cycling.settings.production",
               "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database_url,
               "SECURE_SSL_REDIRECT": "false", "CONN_MAX_AGE": "600", "LOG_LEVEL": "ERROR",
               "PYTHONPATH": str(ROOT), "GUNICORN_ACCESSLOG": "",  # (gunicorn.conf.py logs each request otherwise)
               # no worker replaced mid-run (gunicorn.conf.py: after ~2,000 requests): ~2,080 requests a
               # worker here put the restarts, and a replaced worker's CPU leaving /proc, in the trivial phase
               "GUNICORN_MAX_REQUESTS": "0"}
        if redis_url:
            env["REDIS_URL"] = redis_url  # e-mails are queued for a worker, as in production
        env["STATIC_ROOT"] = tempfile.mkdtemp(prefix="cycling-static-")
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        setup = json.loads(subprocess.run([python, "-c", SETUP, str(args.riders), str(args.capacity), args.fee],
                                          cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout)
        port = free_port()
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "cycling.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
             str(args.workers), "--worker-class", "sync", "--backlog", "2048", "--log-level", "warning"],
            cwd=ROOT, env=env)
        try:
            wait_for_port(port)
            body = json.dumps({"category": setup["category"], "accept_waiver": True}).encode()
            tokens = setup["tokens"]
            # warm every worker on both paths first (imports, the first statements' plans, the first
            # task sent to the broker): what is measured is the steady state, for both endpoints alike
            warm_body = json.dumps({"category": setup["warm_category"], "accept_waiver": True}).encode()
            load(port, [("POST", "/api/v1/events/warm-up/registrations/", warm_body, t)
                        for t in setup["warm_tokens"]], args.concurrency)
            load(port, [("GET", "/api/v1/", None, tokens[0])] * 200, args.concurrency)
            # sign-up, trivial, trivial, sign-up, half the riders each time: both endpoints see the
            # machine as it was (a neighbour's load on this shared host drifts within seconds), and a
            # drift that runs one way through the run weighs on both alike
            half = len(tokens) // 2
            phases = [("signup", tokens[:half]), ("trivial", tokens[:half]), ("trivial", tokens[half:]),
                      ("signup", tokens[half:])]
            took = {"signup": 0.0, "trivial": 0.0}
            latencies: dict[str, list[float]] = {"signup": [], "trivial": []}
            answers: dict[str, list[tuple[int, bytes]]] = {"signup": [], "trivial": []}
            cpu = {"signup": dict.fromkeys(CPU_KEYS, 0.0), "trivial": dict.fromkeys(CPU_KEYS, 0.0)}
            for name, part in phases:
                requests = ([("POST", "/api/v1/events/rush/registrations/", body, t) for t in part] if name == "signup"
                            else [("GET", "/api/v1/", None, t) for t in part])
                before = cpu_seconds()
                elapsed, lat, got = load(port, requests, args.concurrency)
                after = cpu_seconds()
                took[name] += elapsed
                latencies[name] += lat
                answers[name] += got
                for key in CPU_KEYS:
                    cpu[name][key] += after[key] - before[key]
            signup_time, signup_lat, signup_answers = took["signup"], latencies["signup"], answers["signup"]
            trivial_time, trivial_lat, trivial_answers = took["trivial"], latencies["trivial"], answers["trivial"]
        finally:
            server.terminate()
            server.wait(timeout=30)
        counts = json.loads(subprocess.run([python, "-c", COUNT], cwd=ROOT, env=env, check=True,
                                           capture_output=True, text=True).stdout)
    errors = sum(1 for status, _ in signup_answers if status != 201)
    ids = [json.loads(payload)["id"] for status, payload in signup_answers if status == 201]
    statuses = [json.loads(payload)["status"] for status, payload in signup_answers if status == 201]
    trivial_errors = sum(1 for status, _ in trivial_answers if status != 200)
    signup_rps, trivial_rps = len(tokens) / signup_time, len(tokens) / trivial_time
    print(f"riders {args.riders}, capacity {args.capacity}, concurrency {args.concurrency}, "
          f"gunicorn sync workers {args.workers}, PostgreSQL + {'Redis' if redis_url else 'inline tasks'}")
    print(f"sign-up answers: confirmed {statuses.count('confirmed')}, "
          f"held for payment {statuses.count('awaiting_payment')}, "
          f"waitlisted {statuses.count('waitlisted')}, errors {errors}, repeated ids {len(ids) - len(set(ids))}")
    print(f"database: confirmed {counts['confirmed']}, held {counts['awaiting_payment']}, orders {counts['orders']}, "
          f"waitlisted {counts['waitlisted']}, rows {counts['rows']}, "
          f"riders with two active registrations {counts['duplicate_riders']}, "
          f"duplicate bibs {counts['duplicate_bibs']}")
    print(f"sign-up:  {signup_rps:7.1f} req/s  p50 {statistics.median(signup_lat) * 1000:6.1f} ms  "
          f"p99 {pct(signup_lat, 99):6.1f} ms  ({len(tokens)} requests in {signup_time:.1f} s)")
    print(f"trivial:  {trivial_rps:7.1f} req/s  p50 {statistics.median(trivial_lat) * 1000:6.1f} ms  "
          f"p99 {pct(trivial_lat, 99):6.1f} ms  errors {trivial_errors}")
    print(f"CPU ms a request, sign-up: {cpu_used(cpu['signup'], len(tokens))}; "
          f"trivial: {cpu_used(cpu['trivial'], len(tokens))}")
    print(f"ratio sign-up / trivial throughput: {signup_rps / trivial_rps:.2f} (target >= 0.75); "
          f"p99 target < 400 ms; seats taken (confirmed or held) target exactly {args.capacity}")


if __name__ == "__main__":
    main()
