"""gunicorn's settings (read from the working directory: `gunicorn cycling.wsgi`; docs/operations.md).

Every value can be overridden by an environment variable of the same name in upper case with
GUNICORN_ in front (GUNICORN_WORKERS=9) or on the command line."""

import multiprocessing
import os
from urllib.parse import urlsplit

# One BLAS thread a worker, before any worker imports numpy: several workers share the cores and
# BLAS threads fighting over them held one insights report past the 30 s timeout (issue 24/27).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
raw_env = [f"{name}={os.environ[name]}" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")]


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GUNICORN_{name.upper()}", default)


bind = _env("bind", "unix:/run/cycling/gunicorn.sock")  # nginx proxies to it (deploy/nginx/cycling.conf)
def _database_here(url: str) -> bool:
    """Whether DATABASE_URL names a database on this host (loopback, a unix socket, SQLite, unset)."""
    host = (urlsplit(url).hostname or "").lower() if "://" in url else ""
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith(("/", "%2f"))


def default_workers(cores: int, database_url: str) -> int:
    """2 x cores + 1, gunicorn's rule, counts on workers waiting for a database elsewhere. On the one
    machine of docs/operations.md PostgreSQL shares the cores, and the extra workers only take turns
    on them: cores + 1 there (2 cores, bench/registration_rush.py, 4 + 4 runs alternately: the
    sign-up 612 vs 555 req/s, the API index 759 vs 722, p99 lower too)."""
    return cores + 1 if _database_here(database_url) else cores * 2 + 1


workers = int(_env("workers", str(default_workers(multiprocessing.cpu_count(), os.environ.get("DATABASE_URL", "")))))
worker_class = "sync"
timeout = int(_env("timeout", "30"))  # a request past it is killed: every report answers well within
graceful_timeout = 30
keepalive = 5  # behind nginx on the same host
max_requests = int(_env("max_requests", "2000"))  # a worker is replaced now and then (memory stays flat)
max_requests_jitter = 200
limit_request_line = 8190
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - heartbeats off the disk
forwarded_allow_ips = _env("forwarded_allow_ips", "127.0.0.1")
accesslog = _env("accesslog", "-") or None  # to journald through stdout, one JSON line a request; "" for none
access_log_format = ('{"time": "%(t)s", "request_id": "%({x-request-id}o)s", "method": "%(m)s", "path": "%(U)s", '
                     '"status": %(s)s, "bytes": %(B)s, "ms": %(M)s, "agent": "%(a)s"}')
errorlog = "-"
loglevel = _env("loglevel", "info")
proc_name = "cycling-web"


# Prometheus: each worker writes its request metrics to files in PROMETHEUS_MULTIPROC_DIR (the web
# unit sets /run/cycling/metrics), which /metrics sums; emptied at start, a dead worker's marked.
def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415 (only with the directory set)

        multiprocess.mark_process_dead(worker.pid)
