"""python manage.py ballot_verify EVENT CATEGORY SEED [--data FILE]: re-run a ballot's draw from its
published data (the JSON on the event page, or what the database holds) and the revealed seed, and
say whether the same winners come out (docs/registration.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from events.models import Ballot
from events.services import ballot_verify


class Command(BaseCommand):
    help = "Re-run a ballot's draw from its published data and seed; fails when anything differs."

    def add_arguments(self, parser):
        parser.add_argument("event", help="the event's slug")
        parser.add_argument("category", type=int, help="the category's id")
        parser.add_argument("seed", help="the seed revealed at the draw")
        parser.add_argument("--data", help="the draw data downloaded from the event page (JSON)")

    def handle(self, *args, **options):
        ballot = Ballot.objects.filter(category__event__slug=options["event"], category__pk=options["category"],
                                       drawn_at__isnull=False).first()
        if ballot is None:
            raise CommandError("no drawn ballot for that event and category")
        data = None
        if options["data"]:
            with open(options["data"], encoding="utf-8") as handle:
                published = json.load(handle)
            data = {key: published[key] for key in ("capacity", "shares", "entries")}
        ok, what = ballot_verify(ballot=ballot, seed=options["seed"], data=data)
        if not ok:
            raise CommandError(f"not verified: {what}")
        self.stdout.write(f"verified: {what}")
