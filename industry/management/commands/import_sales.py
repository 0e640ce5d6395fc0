"""manage.py import_sales FILE: import monthly sales; exit non-zero if any row is bad (nothing saved)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from industry.sales import sales_import


class Command(BaseCommand):
    help = "Import sales from a CSV (brand,month,channel,units,revenue_cny). All rows good, or nothing saved."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--language", default=None, help="language of error messages, e.g. en or zh-hans")

    def handle(self, *args, file: str, language=None, **options):
        try:
            stream = Path(file).open("rb")  # noqa: SIM115 - closed by the with below; read as a stream
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        with stream, translation.override(language or settings.LANGUAGE_CODE):
            report = sales_import(data=stream)
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(f"{len(report.errors)} bad row(s): nothing was imported", returncode=1)
        self.stdout.write(f"{report.applied} sales rows imported")
