"""python manage.py ids_erase: erase national ID numbers of events that ended more than
NATIONAL_ID_RETENTION_DAYS ago, once (beat runs it daily), and say how many."""

from django.conf import settings
from django.core.management.base import BaseCommand

from events.services import national_ids_erase


class Command(BaseCommand):
    help = "Erase ID numbers past their retention period (PIPL)."

    def handle(self, *args, **options):
        count = national_ids_erase()
        self.stdout.write(f"ID numbers erased from {count} registrations "
                          f"(events that ended more than {settings.NATIONAL_ID_RETENTION_DAYS} days ago)")
