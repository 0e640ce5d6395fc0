"""Expiring held orders on PostgreSQL: 10,000 unpaid seats of one paid category all lapse at once
(issue 12's figure: < 10 s). Prints the time, the rate, and the state after (every seat back,
counter exact), and the same for a tenth of the orders (the cost must grow linearly).

Run: .venv/bin/python bench/orders_expire.py [--orders 10000]
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


def run(orders: int) -> tuple[float, int, int]:
    from django.utils import timezone

    from accounts.models import User
    from events.models import Category, Registration
    from events.services import event_create, event_publish
    from payments.models import Order
    from payments.services import orders_expire

    now = timezone.now()
    organizer = User.objects.create(username=f"org{orders}")
    event = event_create(created_by=organizer, title=f"bench {orders}", kind="sportive",
                         starts_at=now + datetime.timedelta(days=30),
                         ends_at=now + datetime.timedelta(days=30, hours=4),
                         registration_opens_at=now - datetime.timedelta(days=1),
                         registration_closes_at=now + datetime.timedelta(days=20),
                         categories=[{"name": "paid", "capacity": orders, "fee_cny": Decimal("100")}])
    event_publish(event=event)
    category = Category.objects.get(event=event)
    riders = User.objects.bulk_create([User(username=f"r{orders}-{i}") for i in range(orders)])
    held = Registration.objects.bulk_create([
        Registration(event=event, category=category, rider=r, status="awaiting_payment", bib=category.bib_start + i,
                     queued_at=now, hold_expires_at=now) for i, r in enumerate(riders)])
    Order.objects.bulk_create([Order(rider=r.rider, registration=r, amount_fen=10000, expires_at=now) for r in held])
    Category.objects.filter(pk=category.pk).update(confirmed_count=orders, next_bib=category.bib_start + orders)
    started = time.perf_counter()
    expired = orders_expire(now=now + datetime.timedelta(seconds=1))
    seconds = time.perf_counter() - started
    category.refresh_from_db()
    return seconds, expired, category.confirmed_count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
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
        # as in production: e-mails are queued for a worker, not sent inline by each commit
        from django.conf import settings

        from cycling.celery import app

        settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = False
        for n in (args.orders // 10, args.orders):
            seconds, expired, left = run(n)
            print(f"{n:>6} held orders: expired {expired:,} in {seconds:.2f} s ({expired / seconds:,.0f}/s); "
                  f"seats still counted afterwards: {left} (target 0)")


if __name__ == "__main__":
    main()
