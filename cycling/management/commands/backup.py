"""python manage.py backup DIR: the database and every stored file, with a manifest (core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's backup) and every stored file into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new or empty directory")

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(f"backup: {len(manifest['tables'])} tables, {rows} rows, {len(manifest['files'])} files "
                          f"in {manifest['seconds']} s -> {directory}")
