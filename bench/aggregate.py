"""Participation statistics on PostgreSQL: our Celery job against hand-written SQL.

Generates N registrations (1,000,000 by default) for 500 events and N/5 riders on a throwaway
PostgreSQL, then in the same run times (a) the statistics job (industry.stats: one ORM GROUP BY
per dimension plus the idempotent upsert of every bucket) and (b) hand-written SQL doing the
same GROUP BYs over the same rows (results fetched, nothing written). Prints both times, the
ratio (target: at most 2x) and the same at N/10 (the cost must grow linearly).

Run: .venv/bin/python bench/aggregate.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from testenv import postgres  # noqa: E402

EVENTS = 500

HAND_SQL = {
    "total": "'all'",
    "gender": "u.gender",
    "age_band": """CASE
        WHEN a.age BETWEEN 0 AND 17 THEN 'under-18' WHEN a.age BETWEEN 18 AND 29 THEN '18-29'
        WHEN a.age BETWEEN 30 AND 39 THEN '30-39' WHEN a.age BETWEEN 40 AND 49 THEN '40-49'
        WHEN a.age BETWEEN 50 AND 59 THEN '50-59' WHEN a.age >= 60 THEN '60+' ELSE 'unknown' END""",
    "locality": "CASE WHEN u.home_area IN ({xingtai}) THEN 'local' WHEN u.home_area = 'other' THEN 'outside' "
                "ELSE 'unknown' END",
    "district": "CASE WHEN u.home_area = '' THEN 'unknown' ELSE u.home_area END",
    "club": "COALESCE(c.slug, 'none')",
    "brand": "COALESCE(b.slug, 'unknown')",
    "brand_origin": "CASE WHEN b.is_local THEN 'local' WHEN NOT b.is_local THEN 'other' ELSE 'unknown' END",
    "day": "CAST((r.created_at AT TIME ZONE 'Asia/Shanghai')::date AS varchar)",
}


def hand_written(cursor, xingtai: str) -> int:
    rows = 0
    for name, bucket in HAND_SQL.items():
        joins = ""
        if name == "club":
            joins = ("LEFT JOIN clubs_membership m ON m.user_id = r.rider_id AND m.state = 'active' "
                     "LEFT JOIN clubs_club c ON c.id = m.club_id")
        if name in ("brand", "brand_origin"):
            joins = "LEFT JOIN industry_brand b ON b.id = u.bike_brand_id"
        if name == "age_band":
            joins = """JOIN events_event e ON e.id = r.event_id CROSS JOIN LATERAL (SELECT
                EXTRACT(YEAR FROM e.starts_at AT TIME ZONE 'Asia/Shanghai') - EXTRACT(YEAR FROM u.date_of_birth)
                - CASE WHEN (EXTRACT(MONTH FROM u.date_of_birth), EXTRACT(DAY FROM u.date_of_birth)) >
                  (EXTRACT(MONTH FROM e.starts_at AT TIME ZONE 'Asia/Shanghai'),
                   EXTRACT(DAY FROM e.starts_at AT TIME ZONE 'Asia/Shanghai')) THEN 1 ELSE 0 END AS age) a"""
        sql = f"""
            SELECT r.event_id, r.category_id, {bucket.format(xingtai=xingtai)} AS bucket, COUNT(*),
                   COUNT(*) FILTER (WHERE r.status = 'confirmed'), COUNT(*) FILTER (WHERE r.status = 'waitlisted'),
                   COUNT(*) FILTER (WHERE r.status = 'cancelled'),
                   COUNT(*) FILTER (WHERE r.status = 'confirmed' AND r.checked_in_at IS NOT NULL),
                   COUNT(*) FILTER (WHERE r.status = 'confirmed' AND r.result = 'finished')
            FROM events_registration r JOIN accounts_user u ON u.id = r.rider_id {joins}
            GROUP BY 1, 2, 3"""  # noqa: S608 - built from the fixed texts above, no input
        cursor.execute(sql)
        rows += len(cursor.fetchall())
    return rows


def generate(cursor, start: int, stop: int, riders: int, first_user: int, events: list[tuple[int, int]]) -> None:
    """Registrations start..stop-1: rider i % riders, event (k + 7i) % EVENTS, distinct per rider."""
    cursor.execute("""
        INSERT INTO events_registration (event_id, category_id, rider_id, status, bib, answers, created_at,
                                         queued_at, confirmed_at, checked_in_at, result)
        SELECT ev.event_id, ev.category_id, %(first_user)s + (i %% %(riders)s),
               CASE WHEN i %% 10 < 8 THEN 'confirmed' WHEN i %% 10 = 8 THEN 'waitlisted' ELSE 'cancelled' END,
               CASE WHEN i %% 10 < 8 THEN i ELSE NULL END, '{}'::jsonb,
               now() - (i %% 60) * interval '1 day', now() - (i %% 60) * interval '1 day',
               CASE WHEN i %% 10 < 8 THEN now() ELSE NULL END,
               CASE WHEN i %% 10 < 7 THEN now() ELSE NULL END,
               CASE WHEN i %% 10 < 6 THEN 'finished' WHEN i %% 10 = 6 THEN 'dnf' ELSE '' END
        FROM generate_series(%(start)s, %(stop)s - 1) AS i
        JOIN unnest(%(event_ids)s::bigint[], %(category_ids)s::bigint[]) WITH ORDINALITY
             AS ev(event_id, category_id, n) ON ev.n = 1 + ((i / %(riders)s) + 7 * i) %% %(events)s
    """, {"first_user": first_user, "riders": riders, "start": start, "stop": stop, "events": len(events),
          "event_ids": [e for e, _c in events], "category_ids": [c for _e, c in events]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with postgres() as database_url:
        if database_url is None:
            sys.exit("PostgreSQL (initdb/pg_ctl) is needed for this benchmark")
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="cycling.settings.base",
                          SECRET_KEY=secrets.token_urlsafe(40), DEBUG="false")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from accounts.models import HomeArea, User
        from clubs.models import Club
        from events.models import Category, Event
        from industry import stats
        from industry.models import Brand

        call_command("migrate", verbosity=0)
        riders = max(1, args.rows // 5)
        started = time.perf_counter()
        brands = Brand.objects.bulk_create([Brand(slug=f"b{i}", name=f"品牌{i}", is_local=i < 4) for i in range(6)])
        areas = list(HomeArea.values)
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                    is_active, date_joined, display_name, real_name, gender, date_of_birth, mobile, home_area,
                    home_area_other, emergency_contact_name, emergency_contact_phone, bike_brand_id, language,
                    show_name_publicly, phone, phone_verified, feed_version, notify_by, privacy_zone_m)
                SELECT '!', false, 'r' || i, '', '', '', false, true, now(), '', '',
                       (ARRAY['male', 'female', 'undisclosed'])[1 + i %% 3],
                       CASE WHEN i %% 11 = 0 THEN NULL ELSE date '1960-01-01' + (i * 37 %% 18000) END, '',
                       (%(areas)s::text[])[1 + i %% %(n_areas)s],
                       CASE WHEN (%(areas)s::text[])[1 + i %% %(n_areas)s] = 'other' THEN '北京' ELSE '' END,
                       '', '', CASE WHEN i %% 9 = 0 THEN NULL ELSE (%(brands)s::bigint[])[1 + i %% 6] END, 'zh-hans',
                       false, '', false, 0, 'both', 0
                FROM generate_series(0, %(riders)s - 1) AS i""",
                           {"areas": areas, "n_areas": len(areas), "brands": [b.pk for b in brands], "riders": riders})
        first_user = User.objects.order_by("pk").values_list("pk", flat=True).first()
        owner = User.objects.get(pk=first_user)
        clubs = Club.objects.bulk_create([Club(slug=f"club-{i}", name=f"俱乐部{i}") for i in range(20)])
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO clubs_membership (club_id, user_id, role, state, message, applied_at)
                SELECT (%(clubs)s::bigint[])[1 + i %% 20], %(first)s + i, 'member', 'active', '', now()
                FROM generate_series(0, %(riders)s - 1, 10) AS i""",
                           {"clubs": [c.pk for c in clubs], "first": first_user, "riders": riders})
        now = timezone.now()
        created = Event.objects.bulk_create([Event(
            slug=f"e{i}", title=f"活动{i}", kind="race", starts_at=now, ends_at=now, registration_opens_at=now,
            registration_closes_at=now, created_by=owner, status="completed") for i in range(EVENTS)])
        categories = Category.objects.bulk_create([Category(event=e, name="组", capacity=10**6, bib_start=1,
                                                            bib_end=10**7) for e in created])
        events = [(c.event_id, c.pk) for c in categories]
        xingtai = ", ".join(f"'{a}'" for a in stats.XINGTAI)
        print(f"setup: {riders} riders, {EVENTS} events in {time.perf_counter() - started:.1f} s")
        results = []
        for target in (args.rows // 10, args.rows):
            done = results[-1][0] if results else 0
            t = time.perf_counter()
            with connection.cursor() as cursor:
                generate(cursor, done, target, riders, first_user, events)
                cursor.execute("ANALYZE")
            generated = time.perf_counter() - t
            timings = []
            for _ in range(2):  # warm caches once, keep the second run
                t = time.perf_counter()
                written = stats.event_stats_compute()
                ours = time.perf_counter() - t
                t = time.perf_counter()
                with connection.cursor() as cursor:
                    fetched = hand_written(cursor, xingtai)
                hand = time.perf_counter() - t
                timings.append((ours, hand, written, fetched))
            ours, hand, written, fetched = timings[-1]
            results.append((target, ours, hand))
            print(f"N={target:>9,}: statistics job {ours:7.2f} s ({written} buckets upserted), hand-written SQL "
                  f"{hand:7.2f} s ({fetched} rows), ratio {ours / hand:.2f} (target <= 2); generated in "
                  f"{generated:.1f} s")
        (small, s_ours, s_hand), (large, l_ours, l_hand) = results
        print(f"growth from N={small:,} to N={large:,} ({large / small:.0f}x rows): statistics job "
              f"{l_ours / s_ours:.1f}x, hand-written SQL {l_hand / s_hand:.1f}x")


if __name__ == "__main__":
    main()
