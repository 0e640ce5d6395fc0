"""python manage.py orders_expire: run the expiry job once (beat runs it every minute)."""

from django.core.management.base import BaseCommand

from payments.services import orders_expire


class Command(BaseCommand):
    help = "Expire unpaid orders past their deadline; their seats go back to the event."

    def handle(self, *args, **options):
        self.stdout.write(f"{orders_expire()} orders expired")
