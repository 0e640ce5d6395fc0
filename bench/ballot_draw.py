"""A ballot draw on PostgreSQL: 100,000 entries for 5,000 seats (issue 14: < 30 s, exactly 5,000
selected), with a 40% quota for Xingtai residents, in a paid category (each winner gets an order)
and in a free one. Prints the time of the draw alone and the state after.

Run: .venv/bin/python bench/ballot_draw.py [--entries 100000] [--seats 5000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from testenv import postgres  # noqa: E402


def run(entries: int, seats: int, fee: Decimal) -> None:
    from django.utils import timezone

    from accounts.models import User
    from events.models import Ballot, Category, Event, Registration
    from events.services import ballot_draw, event_create, event_publish, quota_group_add
    from payments.models import Order

    now = timezone.now()
    organizer = User.objects.create(username=f"org-{fee}")
    event = event_create(created_by=organizer, title=f"ballot {fee}", kind="sportive",
                         starts_at=now + datetime.timedelta(days=30),
                         ends_at=now + datetime.timedelta(days=30, hours=4),
                         registration_opens_at=now - datetime.timedelta(days=10),
                         registration_closes_at=now + datetime.timedelta(days=20),
                         categories=[{"name": "ballot", "capacity": seats, "fee_cny": fee, "mode": "ballot",
                                      "bib_start": 1, "bib_end": seats + 1000}])
    event_publish(event=event)
    category = Category.objects.get(event=event)
    quota_group_add(ballot=Ballot.objects.get(category=category), rule="xingtai", share_percent=40)
    riders = User.objects.bulk_create([
        User(username=f"e{fee}-{i}", home_area="xindu" if i % 5 == 0 else "other",
             home_area_other="" if i % 5 == 0 else "石家庄") for i in range(entries)], batch_size=5000)
    Registration.objects.bulk_create([Registration(event=event, category=category, rider=r, status="entered",
                                                   queued_at=now) for r in riders], batch_size=5000)
    Event.objects.filter(pk=event.pk).update(registration_closes_at=now - datetime.timedelta(minutes=1))
    category.refresh_from_db()
    started = time.perf_counter()
    ballot = ballot_draw(category=category)
    seconds = time.perf_counter() - started
    rows = Registration.objects.filter(category=category)
    seated = rows.filter(status__in=["confirmed", "awaiting_payment"]).count()
    waiting = rows.filter(status="waitlisted").count()
    category.refresh_from_db()
    orders = Order.objects.filter(registration__category=category).count()
    print(f"{'paid' if fee else 'free'}: {entries:,} entries, {seats:,} seats: drawn in {seconds:.2f} s; "
          f"seated {seated:,} (target exactly {seats:,}), waitlisted {waiting:,}, seat counter "
          f"{category.confirmed_count:,}, orders {orders:,}, winners recorded {len(ballot.winners):,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seats", type=int, default=5_000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cycling-bench-"))
    with postgres() as database_url:
        if database_url is None:
            sys.exit("PostgreSQL (initdb) is needed for this benchmark")
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="cycling.settings.base",
                          MEDIA_ROOT=str(scratch / "media"))
        os.environ.pop("REDIS_URL", None)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from django.conf import settings

        from cycling.celery import app

        settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = False  # e-mails go to workers
        run(args.entries, args.seats, Decimal("0"))
        run(args.entries, args.seats, Decimal("150"))


if __name__ == "__main__":
    main()
