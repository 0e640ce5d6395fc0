"""Three hostile uploads at once against gunicorn: does the site keep serving? (issue 23)

Starts gunicorn as in production (3 sync workers, 30 s timeout) on a throwaway PostgreSQL when
initdb is there (else SQLite), with no Redis: tasks run inline in the request, the worst case
for the budget (--redis: as in production, larger files are queued for a Celery worker instead).
Three threads upload the hostile files of tests/routes/hostile.py to /api/v1/rides/ in a loop, as
a logged-in rider may; a fourth asks for a page (/routes/) every 0.2 s. Prints the
uploads' answers and slowest time, the page's latencies and errors, and each worker's peak memory
(VmHWM) and how many workers were killed.

With --kill the timeout is 1 s and the largest honest file is uploaded, so workers are killed in
the middle of uploads: the files they leave behind without a row are counted, then the sweep is
run as beat would an hour later, and the files left are counted again.

Run: .venv/bin/python bench/hostile_server.py [--seconds 20] [--kill]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from registration_rush import pct, wait_for_port  # noqa: E402
from testenv import free_port, postgres, redis  # noqa: E402

from tests.routes import hostile  # noqa: E402

SETUP = """
import json, django
django.setup()
from rest_framework.authtoken.models import Token
from accounts.models import User
from routes.services import route_import
from tests.helpers import make_gpx
rider = User.objects.create(username="hostile-rider")
organizer = User.objects.create(username="hostile-organizer", is_staff=True)
route_import(owner=organizer, data=make_gpx(points=400), filename="page.gpx", name="页面", publish=True)
print(json.dumps({"token": Token.objects.create(user=rider).key}))
"""

LEFT = """
import datetime, json, django
django.setup()
from django.utils import timezone
from core.files import _walk, orphan_files_sweep, referenced_names
held = referenced_names()
before = sum(1 for name in _walk("") if name not in held)
removed = orphan_files_sweep(now=timezone.now() + datetime.timedelta(hours=2))
after = sum(1 for name in _walk("") if name not in referenced_names())
print(json.dumps({"orphans": before, "removed": removed, "left": after}))
"""


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in out]


def _status_mb(pid: int, field: str) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def _peak_mb(pid: int) -> float:
    return _status_mb(pid, "VmHWM:")


def _rss_mb(pid: int) -> float:
    return _status_mb(pid, "VmRSS:")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--redis", action="store_true",
                        help="as in production: larger files are queued for a worker (none runs here), not measured "
                             "in the request")
    args = parser.parse_args()
    python = sys.executable
    names = ["longest_allowed"] if args.kill else list(hostile.catalogue())
    files = {name: hostile.made(name) for name in names}
    scratch = Path(tempfile.mkdtemp(prefix="cycling-hostile-"))
    with postgres() as database_url, (redis() if args.redis else contextlib.nullcontext()) as redis_url:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cycling.settings.production",
               "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
               "DATABASE_URL": database_url or f"sqlite:///{scratch / 'db.sqlite3'}",
               "SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT),
               "MEDIA_ROOT": str(scratch / "media"), "STATIC_ROOT": str(scratch / "static")}
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        token = json.loads(subprocess.run([python, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True,
                                          text=True).stdout.strip().splitlines()[-1])["token"]
        port = free_port()
        timeout = "1" if args.kill else "30"
        server = subprocess.Popen([python, "-m", "gunicorn", "cycling.wsgi", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "3", "--timeout", timeout, "--log-level", "warning",
                                   "--access-logfile", str(scratch / "access.log"),
                                   "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"],
                                  cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        answers: list[tuple[str, int, float]] = []
        page: list[tuple[int, float]] = []
        peaks: dict[int, float] = {}
        try:
            wait_for_port(port)
            time.sleep(1.0)
            for _ in range(6):  # every worker has served a page: their size before the uploads
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/routes/", headers={"Host": "127.0.0.1"})
                conn.getresponse().read()
                conn.close()
            before = {pid: _rss_mb(pid) for pid in _workers(server.pid)}
            stop = time.monotonic() + args.seconds

            def uploader(offset: int) -> None:
                i = offset
                while time.monotonic() < stop:
                    name = names[i % len(names)]
                    body, kind = _multipart(f"{name}.gpx", files[name])
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    started = time.perf_counter()
                    try:
                        conn.request("POST", "/api/v1/rides/", body=body, headers={
                            "Authorization": f"Token {token}", "Content-Type": kind, "Host": "127.0.0.1"})
                        status = conn.getresponse().status
                    except (OSError, http.client.HTTPException):
                        status = 0  # the worker was killed under the request
                    answers.append((name, status, time.perf_counter() - started))
                    conn.close()
                    i += 1

            def reader() -> None:
                while time.monotonic() < stop:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    started = time.perf_counter()
                    try:
                        conn.request("GET", "/routes/", headers={"Host": "127.0.0.1"})
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                    except (OSError, http.client.HTTPException):
                        status = 0
                    page.append((status, time.perf_counter() - started))
                    conn.close()
                    for pid in _workers(server.pid):
                        peaks[pid] = max(peaks.get(pid, 0.0), _peak_mb(pid))
                    time.sleep(0.2)

            threads = [threading.Thread(target=uploader, args=(k * 5,)) for k in range(3)]
            threads.append(threading.Thread(target=reader))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=30)
        killed = errors.count("WORKER TIMEOUT")
        left = json.loads(subprocess.run([python, "-c", LEFT], cwd=ROOT, env=env, check=True, capture_output=True,
                                         text=True).stdout.strip().splitlines()[-1])
    by_status: dict[int, int] = {}
    for _, status, _ in answers:
        by_status[status] = by_status.get(status, 0) + 1
    slowest = max(answers, key=lambda a: a[2])
    latencies = [t for _, t in page]
    print(f"gunicorn 3 sync workers, timeout {timeout} s, {'PostgreSQL' if database_url else 'SQLite'}, "
          f"{'Redis (larger files queued)' if redis_url else 'no Redis (inline tasks)'}, {args.seconds:.0f} s")
    print(f"uploads: {len(answers)}, answers {dict(sorted(by_status.items()))}, slowest {slowest[2]:.2f} s "
          f"({slowest[0]})")
    print(f"page /routes/ meanwhile: {len(page)} requests, errors {sum(1 for s, _ in page if s != 200)}, "
          f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {pct(latencies, 99):.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")
    print(f"workers before the uploads (VmRSS): {', '.join(f'{v:.0f} MB' for v in sorted(before.values()))}; "
          f"their peak during them (VmHWM): {', '.join(f'{v:.0f} MB' for v in sorted(peaks.values()))}; "
          f"workers killed at the timeout: {killed}")
    served = [line.split() for line in (scratch / "access.log").read_text().splitlines()]
    uploads = [int(row[3]) / 1e6 for row in served if row[0] == "POST"]
    if uploads:
        print(f"time a worker spent on one upload (gunicorn's own %(D)s): max {max(uploads):.2f} s, "
              f"median {statistics.median(uploads):.2f} s (3 uploads at once on {os.cpu_count()} cores)")
    print(f"files without a row after the run: {left['orphans']}; removed by the sweep an hour later: "
          f"{left['removed']}; left: {left['left']}")


if __name__ == "__main__":
    main()
