"""Issue 27: backups that restore. `backup` writes the database and every stored file with a
manifest; `restore_check` restores into a scratch database and finds every difference, and the
controls show it does: a dump missing a table's rows, a damaged file, a manifest that disagrees."""

import json
import subprocess
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from core import backup as backups
from tests.demo_snapshot import demo_loaded

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_with_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    demo_loaded()
    default_storage.save("routes/extra/邢台.gpx", ContentFile(b"<gpx>" + b"x" * 5000 + b"</gpx>"))
    return tmp_path


def _check(directory) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("restore_check", str(directory), stdout=out, stderr=err)
    except CommandError as error:
        return 1, err.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_backup_restores_as_taken_and_every_damage_is_found(demo_with_files):
    target = demo_with_files / "backup"
    out = StringIO()
    call_command("backup", str(target), stdout=out)
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["events_registration"]["rows"] > 100
    assert manifest["files"]["routes/extra/邢台.gpx"]["size"] == 5011
    code, said = _check(target)
    assert code == 0 and f"{len(manifest['tables'])} tables" in said, said

    (target / "files" / "routes" / "extra" / "邢台.gpx").write_bytes(b"<gpx>damaged</gpx>")
    manifest["tables"]["clubs_club"]["rows"] += 1
    (target / "manifest.json").write_text(json.dumps(manifest))
    code, said = _check(target)
    assert code == 1
    assert "file routes/extra/邢台.gpx: 18 bytes" in said and "table clubs_club:" in said and "2 difference(s)" in said

    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(target))  # never over an earlier backup
    (target / manifest["database"]).unlink()
    code, said = _check(target)
    assert code == 1 and "is missing" in said


@pytest.mark.postgres
def test_a_dump_that_lost_a_tables_rows_is_refused(demo_with_files):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump on PostgreSQL")
    target = demo_with_files / "backup"
    call_command("backup", str(target), stdout=StringIO())
    args, env = backups._pg_env(settings.DATABASES["default"])
    subprocess.run([backups.pg_tool("pg_dump"), "--format=custom", "--no-owner",
                    "--exclude-table-data=events_registration", "--file", str(target / "database.dump"), *args],
                   env=env, check=True)  # the same dump, as a broken job might have written it
    code, said = _check(target)
    assert code == 1 and "table events_registration: 0 rows restored" in said, said

