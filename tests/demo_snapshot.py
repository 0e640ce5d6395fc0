"""The demo data for the tests that read it, loaded once per test process (`make run`'s own
`load_demo`) and copied back in for every later test that asks (issue 26: it was loaded about 19
times a run, 3-5 s each). On PostgreSQL the rows of every table are kept as COPY text after the
first load; a later test empties the tables and copies them back (about 0.1 s), sequences reset,
inside its own transaction or flush like any test data. The copy with statistics is the plain copy
with the statistics computed on it: the demo is loaded once a process. On SQLite the demo is loaded
each time.

Only the database is restored: files the demo stored live in the test storage (in memory, kept for
the process), the credentials file is not needed (tests set their own passwords)."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction

_saved: dict[str, list[tuple[str, bytes]]] = {}


def replica_role(connection) -> list[str]:
    """As a superuser (the PostgreSQL make test starts), the statements that switch triggers off for
    the rest of the transaction: the foreign-key checks PostgreSQL runs for every row deleted or
    copied in (emptying every table, copying the demo back), when every table is emptied at once or
    filled from a consistent copy. They were most of the ~0.55 s a demo test spent being set up and
    emptied (issue 26). Nothing for another role: the checks run, as before."""
    if not hasattr(connection, "_tests_superuser"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            connection._tests_superuser = bool(cursor.fetchone()[0])
    return ["SET LOCAL session_replication_role = replica"] if connection._tests_superuser else []


def _models() -> list:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _load(with_stats: bool) -> None:
    """The demo as `make run` has it, its after-commit work done (e-mails sent, tasks run) whether
    the first test to ask runs in a transaction (its commit never comes) or not: the copy is the
    same whichever test of the process took it."""
    from django.test import TestCase
    from django.utils import timezone

    from cycling.demo import demo_load
    from industry.stats import SWEEP_AFTER, stats_compute_all, stats_deferred, stats_overdue

    # (inside a test's transaction the after-commit work runs when this block ends, after the
    # demo's own stats_compute_all: statistics asked for then are computed here, all at once)
    with stats_deferred(), TestCase.captureOnCommitCallbacks(execute=True):
        demo_load()
    if with_stats or stats_overdue(now=timezone.now() + SWEEP_AFTER):
        stats_compute_all()


def _dump() -> list[tuple[str, bytes]]:
    rows = []
    with connection.cursor() as cursor:
        for model in _models():
            table = connection.ops.quote_name(model._meta.db_table)
            with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            if data:
                rows.append((table, data))
    return rows


def _restore(saved: list[tuple[str, bytes]]) -> None:
    models = _models()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for statement in replica_role(connection):  # a consistent copy: no check a row (tests/conftest.py)
            cursor.execute(statement)
        for model in models:  # (deleting is faster than TRUNCATE for a test's few rows: tests/conftest.py)
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - our tables
        for table, data in saved:
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(data)
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    ContentType.objects.clear_cache()  # the demo's content type rows replaced whatever was there


def demo_loaded(*, with_stats: bool = False) -> None:
    """The demo in the test database (and its statistics computed, when asked)."""
    if connection.vendor != "postgresql":
        _load(with_stats)
        return
    key = "stats" if with_stats else "plain"
    if key in _saved:
        _restore(_saved[key])
        return
    if "plain" in _saved:  # the statistics asked for after the plain demo: computed on its copy
        _restore(_saved["plain"])
    else:
        _load(with_stats=False)
        _saved["plain"] = _dump()
    if with_stats:  # (one demo load a process, whichever is asked first)
        from industry.stats import stats_compute_all

        stats_compute_all()
        _saved["stats"] = _dump()
