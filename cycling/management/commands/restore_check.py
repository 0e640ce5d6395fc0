"""python manage.py restore_check DIR: restore a backup into a scratch database and compare every
table's rows and every file with its manifest; exit 1 on any difference (core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import restore_check


class Command(BaseCommand):
    help = "Restore the backup in DIR into a scratch database and compare it with its manifest."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        problems, figures = restore_check(directory)
        for problem in problems:
            self.stderr.write(f"restore_check: {problem}")
        if problems:
            raise CommandError(f"{len(problems)} difference(s): this backup does not restore as taken")
        self.stdout.write(f"restore_check: {figures['tables']} tables, {figures['rows']} rows and "
                          f"{figures['files']} files restored as backed up in {figures['seconds']} s")
