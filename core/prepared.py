"""Prepared statements for the few hot statements written by hand (PostgreSQL only).

Django's PostgreSQL backend binds parameters on the client and never prepares (its
``prepare_threshold`` is off so that transaction-mode poolers keep working): every execution
of a statement is parsed, analysed and planned again. For the one-statement sign-up that is
two thirds of PostgreSQL's work: 0.63 ms of backend CPU a statement as Django sends it,
0.20 ms prepared (issue 27's profile, ``bench/registration_rush.py``). ``fetchone()`` runs one
through a Django cursor (logged as any other: query counts and ``connection.execute_wrapper``
see it) over a psycopg cursor, kept for the connection, that binds on the server and prepares
every statement it executes, once per database connection and parameter types (psycopg keeps the statements, at most
``prepared_max`` a connection). Django opens connections with psycopg's ``prepare_threshold``
None, which refuses even an explicit ``prepare=True``; a connection that runs one of these
statements gets a threshold no other statement reaches, so nothing else is prepared.

``settings.DATABASE_PREPARED = False`` (environment ``DATABASE_PREPARED=false``) turns it off
for a pooler that cannot carry prepared statements between its clients (PgBouncer in
transaction mode before 1.21); the same statements then go as Django sends any other, as they
do when connections last one request (``CONN_MAX_AGE=0``).
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

ONLY_WHEN_ASKED = 2**31 - 1  # psycopg prepares by itself after this many executions: never, in effect


class _PreparingCursor(psycopg.Cursor):
    """A server-binding cursor that prepares what it executes."""

    _converted: Any = None

    def _convert_query(self, query: Any, params: Any = None) -> Any:
        self._converted = super()._convert_query(query, params)
        return self._converted

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> _PreparingCursor:
        super().execute(query, params, prepare=True, binary=binary)
        # psycopg leaves the executed query unset for a prepared statement; Django's query log
        # (CaptureQueriesContext, connection.queries) reads it: the statement, $1 ... as sent
        self._query = self._converted
        return self


_vendor: str | None = None  # the default database's, read once: a process never changes it


def one_statement_possible() -> bool:
    """Whether the database takes the hand-written multi-table statements (PostgreSQL's
    data-modifying WITH): elsewhere (the embedded SQLite) the ORM writes row by row."""
    global _vendor
    if _vendor is None:
        _vendor = connections[DEFAULT_DB_ALIAS].vendor
    return _vendor == "postgresql"


def preparing(db: Any) -> bool:
    """Whether statements are prepared on this database connection: PostgreSQL, not turned off,
    and connections kept between requests (CONN_MAX_AGE 0 closes each at the end of its request:
    a statement prepared there would cost a round trip more and never be used again)."""
    return db.vendor == "postgresql" and settings.DATABASE_PREPARED and db.settings_dict.get("CONN_MAX_AGE") != 0


def fetchone(sql: str, params: dict[str, Any]) -> tuple | None:
    """Execute a hand-written statement executed often on the default database and return its first
    row: prepared on PostgreSQL unless turned off, through a psycopg cursor kept for the
    connection (making one per statement, and Django's cursor around it, cost 0.07 ms of the
    web process's CPU in issue 27's profile: a third of the statement's own). Logged as any
    other statement (Django's CursorWrapper: query counts, ``connection.execute_wrapper``)."""
    db: Any = connections[DEFAULT_DB_ALIAS]  # (once: every attribute of django.db.connection asks asgiref)
    if not preparing(db):
        with db.cursor() as plain:
            plain.execute(sql, params)
            return plain.fetchone()
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        raw = db.connection
        kept = getattr(db, "_cycling_prepared", None)  # (the connection it was made on, the cursor)
        if kept is None or kept[0] is not raw or kept[1].closed:
            if raw.prepare_threshold is None:  # Django's "never", which refuses prepare=True too
                raw.prepare_threshold = ONLY_WHEN_ASKED
            kept = db._cycling_prepared = (raw, _PreparingCursor(raw))
    if db.queries_logged or db.execute_wrappers:  # Django's cursor: the statement logged, the wrappers run
        wrapped = db.make_debug_cursor(kept[1]) if db.queries_logged else db.make_cursor(kept[1])
        wrapped.execute(sql, params)
        return wrapped.fetchone()
    db.validate_no_broken_transaction()  # what Django's cursor does before it executes, without it
    with db.wrap_database_errors:
        kept[1].execute(sql, params)
        return kept[1].fetchone()
