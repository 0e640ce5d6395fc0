"""The linkage report page for one sponsor brand: 36 months of sales in three channels and topic
heat, 20 comparison brands (the demo's synthetic data), rendered through the whole Django stack.

Prints, in one run: the first render (with the one-time import of statsmodels and scipy in a fresh
process), then the median of --repeat renders, and the analysis alone (the selector) for the same
brand. Target: a render < 1 s.

With --gunicorn: the same page under gunicorn as in production (PostgreSQL and Redis when initdb
and redis-server are there, BLAS pinned by cycling/wsgi.py, 3 sync workers, 30 s timeout): 4
concurrent requests to a fresh server (the first report of each process: imports and the analysis),
then 4 concurrent again (warm: the analysis reused from the cache), and one CSV table. Targets:
first < 3 s, warm < 1 s.

Run: .venv/bin/python bench/linkage_report.py [--repeat 5] [--gunicorn]
"""

import argparse
import statistics
import time

from _django import ROOT, setup

SETUP = """
import json, django
django.setup()
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
from cycling.demo import demo_load
from industry.models import Brand, Sponsorship
demo_load()
analyst = User.objects.create(username="bench-analyst")
analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
session = SessionStore()
session["_auth_user_id"] = str(analyst.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = analyst.get_session_auth_hash()
session.create()
event = Sponsorship.objects.get(brand__slug="xinghe-kids").event
print(json.dumps({"session": session.session_key, "event": event.pk}))
"""


def _under_gunicorn() -> None:
    import http.client
    import json
    import os
    import secrets
    import subprocess
    import sys
    import tempfile
    import threading

    root = ROOT
    sys.path.insert(0, str(root / "scripts"))
    sys.path.insert(0, str(root / "bench"))
    from registration_rush import wait_for_port
    from testenv import free_port, postgres, redis

    python = sys.executable
    scratch = tempfile.mkdtemp(prefix="cycling-linkage-")
    with postgres() as database_url, redis() as redis_url:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cycling.settings.production",
               "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
               "DATABASE_URL": database_url or f"sqlite:///{scratch}/db.sqlite3", "SECURE_SSL_REDIRECT": "false",
               "SESSION_COOKIE_SECURE": "false", "LOG_LEVEL": "ERROR", "PYTHONPATH": str(root),
               "STATIC_ROOT": f"{scratch}/static", "MEDIA_ROOT": f"{scratch}/media"}
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=root, env=env, check=True)
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True)
        made = json.loads(subprocess.run([python, "-c", SETUP], cwd=root, env=env, check=True, capture_output=True,
                                         text=True).stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen([python, "-m", "gunicorn", "cycling.wsgi", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "3", "--timeout", "30", "--log-level", "warning"], cwd=root, env=env)
        url = f"/insights/linkage/?events={made['event']}&months=6"

        def fetch(path: str, out: list, lock: threading.Lock) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            started = time.perf_counter()
            conn.request("GET", path, headers={"Host": "127.0.0.1", "Cookie": f"sessionid={made['session']}"})
            response = conn.getresponse()
            body = response.read()
            with lock:
                out.append((time.perf_counter() - started, response.status, len(body)))
            conn.close()

        def burst(path: str, n: int = 4) -> list:
            out: list = []
            lock = threading.Lock()
            threads = [threading.Thread(target=fetch, args=(path, out, lock)) for _ in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return out

        try:
            wait_for_port(port)
            cold = burst(url)
            warm = burst(url)
            table = burst(url + "&format=csv&table=estimates", 1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    db = "PostgreSQL" if database_url else "SQLite"
    print(f"gunicorn 3 sync workers, {db}, {'Redis cache' if redis_url else 'per-process cache'}, BLAS pinned")
    print(f"first reports, 4 at once: {', '.join(f'{t:.2f} s ({s})' for t, s, _ in sorted(cold))}  (target < 3 s)")
    print(f"warm reports, 4 at once:  {', '.join(f'{t:.2f} s ({s})' for t, s, _ in sorted(warm))}  (target < 1 s)")
    print(f"the estimates CSV:        {table[0][0]:.2f} s ({table[0][1]})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gunicorn", action="store_true")
    args = parser.parse_args()
    if args.gunicorn:
        _under_gunicorn()
        return
    setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import User
    from cycling.demo import demo_load
    from industry import selectors
    from industry.models import Brand, SalesRecord, Sponsorship

    settings.ALLOWED_HOSTS = ["testserver"]
    demo_load()
    brand = Brand.objects.get(slug="xinghe-kids")
    event = Sponsorship.objects.get(brand=brand).event
    comparison = Brand.objects.filter(is_local=True).exclude(sponsorships__event=event).count()
    months = SalesRecord.objects.filter(brand=brand).values("month").distinct().count()
    analyst = User.objects.create(username="bench-analyst")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    client = Client()
    client.force_login(analyst)
    url = f"/insights/linkage/?events={event.pk}&months=6&brand={brand.pk}"
    started = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - started
    assert response.status_code == 200 and b"95%" in response.content
    renders, selector = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(url)
        renders.append(time.perf_counter() - started)
        started = time.perf_counter()
        selectors.linkage(events=[event], months=6, viewer=analyst, only_brand=brand)
        selector.append(time.perf_counter() - started)
    print(f"one sponsor, {months} months, {comparison} comparison brands, 3 channels + topic heat")
    print(f"first render (imports statsmodels) {first:6.3f} s")
    print(f"render, median of {args.repeat}          {statistics.median(renders):6.3f} s   (target < 1 s)")
    print(f"analysis alone (selector)          {statistics.median(selector):6.3f} s")


if __name__ == "__main__":
    main()
