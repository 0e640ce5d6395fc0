"""Uploaded files that no row references: found and removed (a sweep, any storage backend).

An upload writes its file before its row commits. When the request dies in between (a worker
killed at its timeout, a crash, a rolled-back transaction), the file stays with no row pointing at
it. The sweep lists the storage (listdir: the file system or an object store alike), gathers the
names every FileField of every model holds, and deletes the files nobody holds that are older
than ORPHAN_AGE (younger ones may belong to an upload still in flight).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

log = logging.getLogger(__name__)

ORPHAN_AGE = datetime.timedelta(hours=1)


def referenced_names() -> set[str]:
    """Every file name held by a FileField of any model (one query per field, names only)."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                names.update(n for n in model._default_manager.exclude(**{field.name: ""})
                             .values_list(field.name, flat=True).iterator() if n)
    return names


def _walk(folder: str):
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(f"{folder}/{sub}" if folder else sub)


def stored_names() -> Iterator[str]:
    """Every file in the default storage (the file system or an object store alike)."""
    return _walk("")


def orphan_files_sweep(*, now: datetime.datetime | None = None, older_than: datetime.timedelta = ORPHAN_AGE) -> int:
    """Delete stored files that no row references and that are older than `older_than`. Returns how many."""
    now = now or timezone.now()
    held = referenced_names()
    removed = 0
    for name in _walk(""):
        if name in held:
            continue
        try:
            if default_storage.get_modified_time(name) > now - older_than:
                continue
        except (FileNotFoundError, NotImplementedError):
            continue
        default_storage.delete(name)
        log.info("removed %s: no row references it", name)
        removed += 1
    return removed


def folder_delete(folder: str) -> int:
    """Delete every file under a storage folder (an account's own files). Returns how many."""
    names = list(_walk(folder))
    for name in names:
        default_storage.delete(name)
    return len(names)
