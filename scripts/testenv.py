"""The whole test gate: ruff, mypy, migrations check, zh-hans catalogue check, pytest.

Starts a throwaway PostgreSQL (initdb/pg_ctl into a temp dir, free loopback port) and Redis
(free loopback port) when their binaries exist, points the suite at them through
DATABASE_URL and REDIS_URL, and stops them afterwards, also on failure or Ctrl-C. Without
them it runs on SQLite with inline tasks and says so; under CI=true their absence fails.

Usage: python scripts/testenv.py [pytest args...]
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IN_CI = os.environ.get("CI", "").lower() == "true"


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[testenv {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_pg_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    bindir = find_pg_bin()
    if bindir is None:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="cycling-pg-"))
    data, sockets, log = tmp / "data", tmp / "sock", tmp / "postgres.log"
    sockets.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
        account = pwd.getpwnam("postgres")
        for path in (tmp, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.path.exists(p)), "runuser")
        prefix = [runuser, "-u", "postgres", "--"]
    port = free_port()
    pg_ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--no-locale"],
            check=True, stdout=subprocess.DEVNULL,
        )
        # deadlock_timeout: how long a lock wait lasts before PostgreSQL looks for a deadlock (1 s by
        # default); the lock-order test's negative control deadlocks on purpose and waited it out
        options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                   "-c deadlock_timeout=100ms")
        subprocess.run([*pg_ctl, "-o", options, "-l", str(log), "-w", "-t", "60", "start"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*prefix, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "cycling"], check=True)
        say(f"PostgreSQL {bindir.parent.name} on 127.0.0.1:{port}")
        yield f"postgres://postgres@127.0.0.1:{port}/cycling"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def redis() -> Iterator[str | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="cycling-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
    )
    def pong() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    try:
        _wait_until_serving(process, pong, "redis-server", seconds=20)
        say(f"Redis on 127.0.0.1:{port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_until_serving(process: subprocess.Popen, ready: Callable[[], bool], what: str, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            if ready():
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    if process.poll() is None:
        process.kill()


@contextlib.contextmanager
def object_store() -> Iterator[str | None]:
    """An S3-compatible server on loopback (moto's server mode, from requirements-dev.txt; MinIO's
    binary is not on the package registries) for the object-storage tests (issue 27)."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        yield None
        return
    port = free_port()
    process = subprocess.Popen([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def listening() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    try:
        _wait_until_serving(process, listening, "the S3-compatible server", seconds=30)
        say(f"S3-compatible server (moto) on 127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def run(step: str, command: list[str], env: dict[str, str]) -> int:
    say(f"{step}: {' '.join(command)}")
    return subprocess.run(command, cwd=ROOT, env=env).returncode


# The timed tests (their budgets are seconds of this machine): alone. The rest run in xdist workers,
# each with its own database and Redis database: the PostgreSQL races meet at barriers, not by
# timing; the Redis outage tests stop a redis-server of their own; the worker test has its own queue.
SERIAL = "timed"
WORKERS = os.environ.get("TEST_WORKERS", "2")


def lanes(pytest_args: list[str], env: dict[str, str], *, databases_ready: bool = False) -> int:
    """The suite in two lanes: everything else in WORKERS pytest-xdist processes (each its own test
    database and Redis database), then the serial lane on its own. Each lane prints its 20 slowest
    tests; the total follows (issue 26). Arguments given to make test run one plain pytest instead.
    With databases_ready each process finds its test database migrated already (--reuse-db)."""
    if pytest_args:
        return run("pytest", [PYTHON, "-m", "pytest", "--durations=20", *pytest_args], env)
    reuse = ["--reuse-db"] if databases_ready else []
    started = time.monotonic()
    parallel = run("pytest (parallel lane)", [PYTHON, "-m", "pytest", "-n", WORKERS, "--dist", "worksteal",
                                              "--durations=20", *reuse, "-m", f"not ({SERIAL})"], env)
    middle = time.monotonic()
    serial = run("pytest (serial lane)", [PYTHON, "-m", "pytest", "--durations=20", *reuse, "-m", SERIAL,
                                          *timed_files()], env)
    ended = time.monotonic()
    say(f"test time: parallel lane {middle - started:.1f} s, serial lane {ended - middle:.1f} s, "
        f"total {ended - started:.1f} s")
    return parallel or serial


def timed_files() -> list[str]:
    """The test files that mark tests `timed`: the serial lane collects only them (collecting the
    whole suite to deselect all but 34 of 1,381 tests took ~3.5 s of the lane). A file that marks a
    test timed says so in its text (`mark.timed`, as pyproject.toml's marker describes); with none
    found the lane collects everything, as before."""
    return sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("test_*.py")
                  if "mark.timed" in path.read_text(encoding="utf-8"))


def test_databases(database_url: str, env: dict[str, str]) -> bool:
    """Migrate the serial lane's test database once and copy it for each xdist worker (CREATE
    DATABASE ... TEMPLATE): the same schema and migrated rows pytest-django would make, without each
    process migrating on its own (~6 s each). The names are pytest-django's: test_<name>, _gw<n>."""
    import psycopg  # the venv's, as the suite's

    name = database_url.rsplit("/", 1)[1]
    template = f"test_{name}"
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{template}"')
    migrate_env = {**env, "DATABASE_URL": database_url.rsplit("/", 1)[0] + "/" + template}
    if run("test databases", [PYTHON, "manage.py", "migrate", "--run-syncdb", "--noinput", "-v", "0"],
           migrate_env) != 0:
        return False
    with psycopg.connect(admin, autocommit=True) as connection:
        for worker in range(int(WORKERS)):
            connection.execute(f'CREATE DATABASE "{template}_gw{worker}" TEMPLATE "{template}"')
    return True


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(pytest_args: list[str]) -> int:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # PYTHONDONTWRITEBYTECODE is dropped: the venv is installed without compiling (Makefile), so
    # each module is compiled once, by the first process that imports it, and kept
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "S3_TEST_ENDPOINT", "PYTHONDONTWRITEBYTECODE")}
    env["DJANGO_SETTINGS_MODULE"] = "cycling.settings.test"
    # one BLAS thread a process, as gunicorn.conf.py gives the web workers: OpenBLAS's own threads
    # spin while they wait, and with two test workers on two cores the spinning took CPU from the
    # other worker (numpy.linalg was 33 s of a run's samples; issue 26)
    env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    bindir = os.path.dirname(PYTHON)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"

    # mypy takes one core for ~10 s: it runs beside the other checks, the services' start and the
    # test databases' migration, and is waited for before the tests
    say("mypy: started beside the next steps")
    mypy = subprocess.Popen([PYTHON, "-m", "mypy"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # files and settings: [tool.mypy] in pyproject.toml
    try:
        for step, command in (
            ("ruff", [PYTHON, "-m", "ruff", "check", "."]),
            ("migrations", [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"]),
            ("catalogue", [PYTHON, "scripts/check_catalogue.py"]),
        ):
            if run(step, command, env) != 0:
                say(f"FAILED at {step}")
                return 1
        with postgres() as database_url, redis() as redis_url, object_store() as s3_url:
            missing = [name for name, url in (("PostgreSQL", database_url), ("Redis", redis_url),
                                              ("an S3-compatible server", s3_url)) if url is None]
            if missing and IN_CI:
                say(f"CI=true but {' and '.join(missing)} not installed: failing (see .ci/run)")
                return 1
            if database_url:
                env["DATABASE_URL"] = database_url
            else:
                say("PostgreSQL not found: running on SQLite; race tests are skipped")
            if s3_url:
                env["S3_TEST_ENDPOINT"] = s3_url  # tests/own_store.py: a bucket of each test's own
            if redis_url:
                env["REDIS_URL"] = redis_url
            else:
                say("Redis not found: Celery tasks run inline; the worker test is skipped")
            ready = bool(database_url) and not pytest_args and test_databases(database_url, env)
            if database_url and not pytest_args and not ready:
                say("FAILED at test databases")
                return 1
            output, _ = mypy.communicate()
            for line in output.strip().splitlines():
                say(f"mypy: {line}")
            if mypy.returncode != 0:
                say("FAILED at mypy")
                return 1
            code = lanes(pytest_args, env, databases_ready=ready)
    finally:
        if mypy.poll() is None:
            mypy.kill()
    if code != 0:
        say(f"FAILED: pytest exit status {code}")
    return code


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        say("interrupted; services stopped")
        sys.exit(130)
