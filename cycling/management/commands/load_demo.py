"""manage.py load_demo: create the demo data (idempotent) and print the demo accounts."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cycling.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo routes, accounts and club. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Load even when DEBUG is off.")

    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("DEBUG is off: this looks like production. Pass --allow-production to load demo data.")
        report = demo_load()
        for item in report.created:
            self.stdout.write(f"created  {item}")
        for item in report.existing:
            self.stdout.write(f"exists   {item}")
        self.stdout.write("\nDemo accounts (passwords kept in var/demo-credentials.json):")
        for username, password in report.credentials.items():
            self.stdout.write(f"  {username:16} {password}")
