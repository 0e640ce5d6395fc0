"""Backups that restore (issue 27; docs/operations.md, "Backups").

`backup(DIR)` writes, into a new directory:
- `database.dump`: PostgreSQL's custom format (`pg_dump -Fc`), or `database.sqlite3` (SQLite's
  online backup) for the embedded default;
- `files/`: every stored file, read through the storage API (the file system or an object store);
- `manifest.json`: per table its row count and a digest of its rows in key order, per file its size
  and SHA-256, and when and from what it was taken.

`restore_check(DIR)` restores the dump into a scratch database (PostgreSQL: a new database on the
same server, dropped afterwards; SQLite: a copy), computes the same counts and digests there, reads
every backed-up file again, and lists every difference from the manifest. A backup is good only
when that list is empty.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from core.files import stored_names

MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    """PostgreSQL's own tools, their arguments from settings (the password in the environment)."""
    return subprocess.run(command, **kwargs)  # noqa: S603


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore / psql: on PATH, else Debian's newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise BackupError(f"{name} not found (install postgresql-client)")
    return candidates[0]


def _pg_env(database: dict[str, Any], name: str | None = None) -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment (the password never on a command line)."""
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    args = ["--dbname", name or database["NAME"]]
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    return args, env


def _digest_rows(cursor: Any, table: str, quote: Any) -> tuple[int, str]:
    """(rows, SHA-256 over every row's values in the order of all its columns)."""
    cursor.execute(f"SELECT * FROM {quote(table)} LIMIT 0")  # noqa: S608 - a name from the catalogue, quoted
    width = len(cursor.description)
    order = ", ".join(str(i) for i in range(1, width + 1))
    cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {order}")  # noqa: S608
    digest, count = hashlib.sha256(), 0
    while rows := cursor.fetchmany(2000):
        for row in rows:
            digest.update(repr(tuple(_plain(value) for value in row)).encode())
            count += 1
    return count, digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _quote_pg(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_digests(cursor: Any, vendor: str) -> dict[str, dict[str, Any]]:
    return {table: dict(zip(("rows", "sha256"), _digest_rows(cursor, table, _quote_pg), strict=True))
            for table in _tables(cursor, vendor)}


def _file_digest(chunks: Iterator[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _written(chunks: Iterator[bytes], out: Any) -> Iterator[bytes]:
    for chunk in chunks:
        out.write(chunk)
        yield chunk


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def backup(target: Path) -> dict[str, Any]:
    """Write a backup into `target` (created; must not exist or be empty). Returns the manifest."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    started = time.monotonic()
    database = settings.DATABASES["default"]
    vendor = connection.vendor
    if vendor == "postgresql":
        args, env = _pg_env(database)
        # the dump and the digests read one snapshot: rows written meanwhile are in neither
        with _pg_connect(database, database["NAME"]) as source:
            source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
            dumped = _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                                     "--file", str(target / "database.dump"), *args], env=env, capture_output=True,
                                    text=True)
            if dumped.returncode != 0:
                raise BackupError(f"pg_dump: {dumped.stderr.strip()}")
            with source.cursor() as cursor:
                tables = table_digests(cursor, vendor)
            source.execute("COMMIT")
    elif vendor == "sqlite":
        connection.ensure_connection()  # SQLite's online backup, from Django's own connection (in-memory too)
        copy = sqlite3.connect(str(target / "database.sqlite3"))
        try:
            connection.connection.backup(copy)
            tables = table_digests(copy.cursor(), vendor)
        finally:
            copy.close()
    else:
        raise BackupError(f"no backup for {vendor}")
    files = {}
    for name in sorted(stored_names()):
        destination = target / "files" / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source_file, destination.open("wb") as out:
            size, sha256 = _file_digest(_written(source_file.chunks(CHUNK), out))
        files[name] = {"size": size, "sha256": sha256}
    manifest = {"version": 1, "taken_at": timezone.now().isoformat(), "vendor": vendor,
                "database": "database.dump" if vendor == "postgresql" else "database.sqlite3",
                "seconds": round(time.monotonic() - started, 2), "tables": tables, "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def _pg_connect(database: dict[str, Any], name: str) -> Any:
    """A plain psycopg connection (not Django's, whose loaders differ) in UTC: both digests of a
    check are read the same way."""
    import psycopg  # noqa: PLC0415 (PostgreSQL only)
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415

    parts = {"dbname": name, "host": database.get("HOST"), "port": database.get("PORT"),
             "user": database.get("USER"), "password": database.get("PASSWORD")}
    conninfo = make_conninfo(**{k: str(v) for k, v in parts.items() if v}, options="-c TimeZone=UTC")
    return psycopg.connect(conninfo, autocommit=True)


def _restored_pg(source: Path) -> Iterator[dict[str, dict[str, Any]]]:
    database = settings.DATABASES["default"]
    scratch = f"restore_check_{uuid.uuid4().hex[:12]}"
    admin_args, env = _pg_env(database, name="postgres")
    psql = [pg_tool("psql"), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", *admin_args]
    created = _run([*psql, "--command", f'CREATE DATABASE "{scratch}"'], env=env, capture_output=True,
                             text=True)
    if created.returncode != 0:
        raise BackupError(f"could not create the scratch database: {created.stderr.strip()}")
    try:
        args, env = _pg_env(database, name=scratch)
        restored = _run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", *args, str(source)],
                                  env=env, capture_output=True, text=True)
        if restored.returncode != 0:
            raise BackupError(f"pg_restore: {restored.stderr.strip()}")
        with _pg_connect(database, scratch) as restored_db, restored_db.cursor() as cursor:
            yield table_digests(cursor, "postgresql")
    finally:
        _run([*psql, "--command", f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'], env=env,
                       capture_output=True, text=True)


def _restored_sqlite(source: Path) -> Iterator[dict[str, dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "restored.sqlite3"
        shutil.copy(source, copy)
        restored = sqlite3.connect(str(copy))
        try:
            yield table_digests(restored.cursor(), "sqlite")
        finally:
            restored.close()


def restore_check(source: Path) -> tuple[list[str], dict[str, Any]]:
    """Restore the backup at `source` into a scratch database and compare it with its manifest.
    Returns (every difference in words, figures: tables, rows, files, seconds)."""
    started = time.monotonic()
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        return [f"no readable {MANIFEST}: {error}"], {}
    dump = source / manifest["database"]
    if not dump.exists():
        return [f"{manifest['database']} is missing"], {}
    restore = _restored_pg if manifest["vendor"] == "postgresql" else _restored_sqlite
    problems: list[str] = []
    try:
        for found in restore(dump):
            for table, expected in manifest["tables"].items():
                got = found.get(table)
                if got is None:
                    problems.append(f"table {table}: missing from the restored database")
                elif got["rows"] != expected["rows"]:
                    problems.append(f"table {table}: {got['rows']} rows restored, {expected['rows']} backed up")
                elif got["sha256"] != expected["sha256"]:
                    problems.append(f"table {table}: the restored rows differ from those backed up")
            problems += [f"table {table}: restored but not in the manifest" for table in sorted(set(found) -
                                                                                               set(manifest["tables"]))]
    except BackupError as error:
        problems.append(str(error))
    for name, expected in manifest["files"].items():
        path = source / "files" / name
        if not path.is_file():
            problems.append(f"file {name}: missing from the backup")
            continue
        size, sha256 = _file_digest(_read(path))
        if (size, sha256) != (expected["size"], expected["sha256"]):
            problems.append(f"file {name}: {size} bytes, sha256 {sha256[:12]}... backed up as {expected['size']} "
                            f"bytes, {expected['sha256'][:12]}...")
    figures = {"tables": len(manifest["tables"]), "rows": sum(t["rows"] for t in manifest["tables"].values()),
               "files": len(manifest["files"]), "seconds": round(time.monotonic() - started, 2)}
    return problems, figures
