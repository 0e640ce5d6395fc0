"""Synthetic industry data for the demo: fictional brands, 24 months of sales with a made-up
uplift after a sponsored race, and past events with synthetic riders. No real company's figures."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Gender, HomeArea, User
from core.times import month_add
from events.models import Event
from events.services import PastEntry, event_complete, event_create, event_publish, registrations_record_past
from industry.models import Brand, SalesRecord, Sponsorship, TopicHeat
from industry.services import sponsorship_set

BRANDS = [
    {"slug": "xinghe-kids", "name": "星河童车", "name_en": "Xinghe Kids", "county": HomeArea.PINGXIANG,
     "is_local": True, "synthetic": True},
    {"slug": "taihang-knight", "name": "太行骑士", "name_en": "Taihang Knight", "county": HomeArea.XINDU,
     "is_local": True, "synthetic": True},
    {"slug": "jinan-cycles", "name": "冀南车业", "name_en": "Jinan Cycles", "county": HomeArea.GUANGZONG,
     "is_local": True, "synthetic": True},
    {"slug": "qilihe-bikes", "name": "七里河单车", "name_en": "Qilihe Bikes", "county": HomeArea.XIANGDU,
     "is_local": True, "synthetic": True},
    {"slug": "yuanxing", "name": "远行自行车", "name_en": "Yuanxing Bicycles", "county": HomeArea.OTHER,
     "is_local": False, "synthetic": True},
]
# seventeen more made-up makers of the Pingxiang and Guangzong cluster (twenty local brands that did not
# sponsor, with the three above): the comparison brands the
# linkage report needs (fewer than 3 and it says it cannot estimate)
BRANDS += [{"slug": f"cluster-maker-{i:02d}", "name": f"{place}车业{i:02d}", "name_en": f"{place_en} Cycles {i:02d}",
            "county": county, "is_local": True, "synthetic": True}
           for i, (place, place_en, county) in enumerate(
               [("平乡", "Pingxiang", HomeArea.PINGXIANG), ("广宗", "Guangzong", HomeArea.GUANGZONG)] * 9, start=1)
           if i <= 17]
SPONSOR = "xinghe-kids"  # the made-up success story: sales up after sponsoring the spring race
EFFECT = 0.25  # the made-up uplift after the sponsored race (the source report's "+25%")
HEAT_EFFECT = 0.50  # and on topic heat ("+50%")
MONTHS = 36
PLATFORMS = (("weibo", 0.4), ("douyin", 0.4), ("xiaohongshu", 0.2))
SYNTHETIC_NOTE_ZH = "演示数据：品牌、销量和参赛者均为虚构的合成数据。"
SYNTHETIC_NOTE_EN = "Demo data: brands, sales and participants are synthetic."


def _month_start(day: datetime.date, shift: int = 0) -> datetime.date:
    return month_add(day.replace(day=1), shift)


def brands_create() -> dict[str, Brand]:
    return {spec["slug"]: Brand.objects.get_or_create(slug=spec["slug"], defaults=spec)[0] for spec in BRANDS}


def industry_demo_load(*, organizer: User, brands: dict[str, Brand], seed: int = 7) -> None:
    """Past events with synthetic riders, one sponsorship, 24 months of sales."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo figures, reproducible on purpose
    today = timezone.localdate()
    first_month = _month_start(today, -(MONTHS - 1))
    areas = list(HomeArea.values)
    riders = User.objects.bulk_create([
        User(username=f"synthetic-{i:04d}", email=f"synthetic-{i:04d}@demo.invalid", password=make_password(None),
             display_name=f"合成骑手{i:04d}", gender=rng.choice([Gender.MALE, Gender.MALE, Gender.FEMALE]),
             date_of_birth=datetime.date(rng.randint(1960, 2010), rng.randint(1, 12), rng.randint(1, 28)),
             home_area=rng.choice(areas),
             bike_brand=brands[rng.choice([*brands, "xinghe-kids", "taihang-knight"])],
             show_name_publicly=False)
        for i in range(400)
    ])
    for rider in riders:
        if rider.home_area == HomeArea.OTHER:
            rider.home_area_other = rng.choice(["石家庄", "邯郸", "北京"])
    User.objects.bulk_update(riders, ["home_area_other"])
    sponsored = None
    for k in range(MONTHS // 2):  # one past event every two months, through the events services
        month = _month_start(first_month, 2 * k)
        start = timezone.make_aware(datetime.datetime.combine(month + datetime.timedelta(days=rng.randint(5, 20)),
                                                              datetime.time(8, 0)))
        if start >= timezone.now():
            break
        event = event_create(
            created_by=organizer, slug=f"past-ride-{month:%Y-%m}",
            title=f"{month.year}年{month.month}月七里河骑行（合成）",
            title_en=f"Qilihe ride {month:%Y-%m} (synthetic)", kind=Event.Kind.SPORTIVE if k % 3 else Event.Kind.RACE,
            description=SYNTHETIC_NOTE_ZH, description_en=SYNTHETIC_NOTE_EN, starts_at=start,
            ends_at=start + datetime.timedelta(hours=4), registration_opens_at=start - datetime.timedelta(days=30),
            registration_closes_at=start - datetime.timedelta(days=2),
            county=rng.choice([HomeArea.XIANGDU, HomeArea.XINDU, HomeArea.SHAHE]),
            categories=[{"name": "主赛道", "name_en": "Main course", "capacity": 200, "bib_start": 1, "bib_end": 1000}])
        event_publish(event=event)
        entries = []
        for rider in rng.sample(riders, rng.randint(40 + 6 * k, 80 + 8 * k)):
            signed_up = start - datetime.timedelta(days=rng.randint(2, 30), hours=rng.randint(0, 23))
            status = rng.choices(["confirmed", "cancelled", "waitlisted"], [85, 10, 5])[0]
            checked_in = status == "confirmed" and rng.random() < 0.9  # only a rider who started can finish
            entries.append(PastEntry(rider=rider, status=status, signed_up_at=signed_up, checked_in=checked_in,
                                     result=rng.choices(["finished", "dnf"], [92, 8])[0] if checked_in else ""))
        registrations_record_past(category=event.categories.get(), entries=entries, by=organizer)
        event_complete(event=event)
        if k == MONTHS // 4:
            sponsored = event
            sponsorship_set(event=event, brand=brands[SPONSOR], tier=Sponsorship.Tier.TITLE)
            sponsorship_set(event=event, brand=brands["yuanxing"], tier=Sponsorship.Tier.PARTNER)
    sponsor_month = _month_start(timezone.localtime(sponsored.starts_at).date()) if sponsored else None
    _sales_and_heat(rng, brands, first_month, sponsor_month)


def _sales_and_heat(rng: random.Random, brands: dict[str, Brand], first_month: datetime.date,
                    sponsor_month: datetime.date | None) -> None:
    """Monthly sales by channel and topic heat by platform: a level per brand, shared seasonality
    (+-25% over the year) and market growth, a persistent brand shock (an AR(1) in logs) and
    noise, and the made-up effects on the sponsor after the event month."""
    records, heat = [], []
    for spec in BRANDS:
        base = rng.randint(800, 3000)
        shock = 0.0
        for m in range(MONTHS):
            month = _month_start(first_month, m)
            season = 1 + 0.25 * math.sin((month.month - 3) / 12 * 2 * math.pi)
            shock = 0.5 * shock + rng.gauss(0, 0.04)
            after = spec["slug"] == SPONSOR and sponsor_month is not None and month > sponsor_month
            level = base * season * (1 + 0.004 * m) * math.exp(shock) * (1 + EFFECT if after else 1.0)
            for channel, share, price in (("domestic", 0.5, 420), ("export", 0.3, 360), ("ecommerce", 0.2, 390)):
                units = int(level * share * rng.uniform(0.95, 1.05))
                records.append(SalesRecord(brand_id=brands[spec["slug"]].pk, month=month, channel=channel, units=units,
                                           revenue_cny=Decimal(units * price).quantize(Decimal("0.01"))))
            mentions = base / 4 * season * math.exp(shock) * (1 + HEAT_EFFECT if after else 1.0)
            for platform, share in PLATFORMS:
                heat.append(TopicHeat(brand_id=brands[spec["slug"]].pk, month=month, platform=platform,
                                      mentions=int(mentions * share * rng.uniform(0.9, 1.1))))
    SalesRecord.objects.bulk_create(records)
    TopicHeat.objects.bulk_create(heat)
