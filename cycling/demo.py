"""Demo data: routes, accounts and a club, created once; a second run changes nothing."""

import datetime
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Gender, HomeArea, User
from accounts.services import user_create
from clubs.models import Club
from clubs.services import (
    club_create,
    club_ride_create,
    membership_apply,
    membership_invitation_answer,
    membership_invite,
    membership_set_dues,
)
from core import groups
from events.models import Event
from events.services import (
    addon_create,
    coupon_create,
    event_create,
    event_publish,
    insurance_update,
    registration_create,
    tier_add,
)
from industry.demo import brands_create, industry_demo_load
from industry.models import SalesRecord
from industry.stats import stats_compute_all, stats_deferred
from routes.models import Collection, Route
from routes.services import route_import

DEMO_GPX_DIR = Path(settings.BASE_DIR) / "demo" / "gpx"
APPROXIMATE_ZH = "演示数据：线路几何为示意，并非实测轨迹。"
APPROXIMATE_EN = "Demo data: the geometry is approximate, not a surveyed track."

ACCOUNTS = [
    {"username": "demo-admin", "email": "admin@demo.invalid", "is_staff": True, "is_superuser": True,
     "display_name": "平台管理员"},
    {"username": "demo-organizer", "email": "organizer@demo.invalid", "display_name": "邢台市自行车运动协会",
     "groups": [groups.ORGANIZERS]},
    {"username": "demo-rider", "email": "rider@demo.invalid", "display_name": "七里河骑手", "real_name": "李明",
     "gender": Gender.MALE, "home_area": HomeArea.XINDU, "mobile": "+8613800000001",
     "show_name_publicly": True, "date_of_birth": datetime.date(1988, 6, 1),
     "emergency_contact_name": "李华", "emergency_contact_phone": "+8613800000002"},
    {"username": "demo-applicant", "email": "applicant@demo.invalid", "display_name": "广宗新骑手",
     "gender": Gender.FEMALE, "home_area": HomeArea.GUANGZONG},
    {"username": "demo-analyst", "email": "analyst@demo.invalid", "display_name": "市体育局分析员",
     "groups": [groups.ANALYSTS]},
]

COLLECTION = {
    "slug": "riding-taihang",
    "name": "骑行太行",
    "name_en": "Riding Taihang",
    "description": "邢台西部太行山区的精选骑行线路。",
    "description_en": "Curated rides in the Taihang mountains west of Xingtai.",
}

ROUTES = [
    {"file": "qilihe-greenway.gpx", "slug": "qilihe-greenway", "name": "七里河绿道环线",
     "name_en": "Qilihe Greenway Loop",
     "category": Route.Category.GREENWAY, "collection": None,
     "description": "沿七里河两岸的平坦城市环线，适合家庭和新手骑行。",
     "description_en": "A flat urban loop along both banks of the Qilihe river, for families and beginners."},
    {"file": "taihang-yingtan.gpx", "slug": "taihang-yingtan", "name": "骑行太行·英谈古寨线",
     "name_en": "Riding Taihang: Yingtan Stone Village", "category": Route.Category.MOUNTAIN,
     "collection": "riding-taihang",
     "description": "从市区西缘出发，穿过浅山丘陵，爬升到英谈石头古寨。",
     "description_en": "From the city's western edge through the foothills, climbing to the Yingtan stone village."},
    {"file": "taihang-zijinshan.gpx", "slug": "taihang-zijinshan", "name": "骑行太行·前南峪—紫金山线",
     "name_en": "Riding Taihang: Qiannanyu to Zijinshan", "category": Route.Category.MOUNTAIN,
     "collection": "riding-taihang",
     "description": "从前南峪向北，沿太行山脚的起伏山路到紫金山。",
     "description_en": "North from Qiannanyu along the rolling roads at the foot of the Taihang to Zijinshan."},
]

CLUB = {
    "slug": "guangzong-riders",
    "name": "广宗骑行俱乐部",
    "name_en": "Guangzong Riding Club",
    "home_area": HomeArea.GUANGZONG,
    "contact": "club@demo.invalid",
    "join_policy": "approval",
    "member_list_visibility": "members",
    "description": "广宗县的骑行爱好者俱乐部，每周末组织绿道和乡村道路骑行。",
    "description_en": "Riders of Guangzong county; weekend rides on greenways and country roads.",
}


def _demo_events(organizer: User) -> list[dict]:
    """Two events relative to today, so the demo always has something to sign up for."""
    today = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    greenway = Route.objects.get(slug="qilihe-greenway")
    yingtan = Route.objects.get(slug="taihang-yingtan")
    zijin = Route.objects.get(slug="taihang-zijinshan")
    return [
        {
            "slug": "qilihe-ride-festival", "title": "七里河绿道骑行节（演示）",
            "title_en": "Qilihe Greenway Ride Festival (demo)",
            "kind": Event.Kind.SPORTIVE, "county": HomeArea.XIANGDU,
            "description": "沿七里河绿道的家庭骑行活动。演示数据。",
            "description_en": "A family ride along the Qilihe greenway. Demo data.",
            "starts_at": today + timedelta(days=14), "ends_at": today + timedelta(days=14, hours=4),
            "registration_opens_at": today - timedelta(days=7), "registration_closes_at": today + timedelta(days=12),
            "transfer_deadline": today + timedelta(days=10),
            "meeting_point": "七里河公园北门", "meeting_lat": 37.0480, "meeting_lon": 114.4550,
            "waiver_text": "我确认身体健康，自愿参加本次骑行活动，并遵守交通规则和组织者的安排。",
            "categories": [
                {"name": "绿道环线 18 公里", "name_en": "Greenway loop 18 km", "capacity": 200,
                 "route_version": greenway.current_version, "fee_cny": 0},
            ],
            "questions": [
                {"key": "jersey", "label": "骑行服尺码", "label_en": "Jersey size", "kind": "choice",
                 "required": True, "choices": ["S", "M", "L", "XL"]},
            ],
        },
        {
            "slug": "taihang-challenge", "title": "骑行太行挑战赛（演示）",
            "title_en": "Riding Taihang Challenge (demo)",
            "kind": Event.Kind.RACE, "county": HomeArea.XINDU,
            "description": "在邢台西部太行山区举行的公路挑战赛。演示数据。",
            "description_en": "A road challenge in the Taihang mountains west of Xingtai. Demo data.",
            "starts_at": today + timedelta(days=30), "ends_at": today + timedelta(days=30, hours=8),
            "registration_opens_at": today - timedelta(days=3), "registration_closes_at": today + timedelta(days=25),
            "transfer_deadline": today + timedelta(days=20),
            "meeting_point": "信都区前南峪景区停车场", "meeting_lat": 37.1300, "meeting_lon": 114.0300,
            "waiver_text": "我确认已购买或同意主办方代为购买比赛保险，身体状况适合参加高强度山地骑行比赛。",
            "categories": [
                {"name": "英谈线 43 公里", "name_en": "Yingtan 43 km", "capacity": 150,
                 "route_version": yingtan.current_version, "fee_cny": 120, "min_age": 16},
                {"name": "紫金山线 32 公里", "name_en": "Zijinshan 32 km", "capacity": 100,
                 "route_version": zijin.current_version, "fee_cny": 100, "min_age": 18},
            ],
            "questions": [
                {"key": "national_id", "label": "身份证号（用于保险）", "label_en": "National ID (for insurance)",
                 "kind": "national_id", "required": True},
                {"key": "bike_brand", "label": "参赛车辆品牌", "label_en": "Bike brand", "kind": "brand"},
            ],
        },
        {
            "slug": "qilihe-anytime", "title": "七里河绿道随时挑战（演示）",
            "title_en": "Qilihe Greenway Anytime Challenge (demo)",
            "kind": Event.Kind.CHALLENGE, "county": HomeArea.XIANGDU,
            "description": "一个月内任选一天骑完七里河绿道环线，上传码表或手机记录即可完成。演示数据。",
            "description_en": "Ride the Qilihe greenway loop any day this month and upload the ride from your bike "
                              "computer or phone. Demo data.",
            "starts_at": today - timedelta(days=1), "ends_at": today + timedelta(days=30),
            "registration_opens_at": today - timedelta(days=2), "registration_closes_at": today + timedelta(days=29),
            "challenge_routes": [greenway],
            "categories": [{"name": "绿道环线", "name_en": "Greenway loop", "capacity": 1000, "fee_cny": 0}],
        },
    ]


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)


def _demo_extras(event: Event) -> None:
    """What the race's entry includes (issue 30): an early-bird fee until a week from now, a club
    coupon, a jersey in four sizes, a shuttle bus, and insurance bought with the entry."""
    week = timezone.now().replace(second=0, microsecond=0) + timedelta(days=7)
    for category in event.categories.all():
        tier_add(event=event, category=category, name="常规价", name_en="Regular", starts_at=week,
                 fee_fen=category.fee_fen + 3000)
    coupon_create(event=event, code="CLUB20", kind="fixed", value=2000, uses_allowed=50)
    addon_create(event=event, name="比赛骑行服", name_en="Race jersey", price_fen=12800, change_until=week,
                 variants=[("S", 20), ("M", 40), ("L", 40), ("XL", 20)])
    addon_create(event=event, name="接驳车（市区—前南峪）", name_en="Shuttle bus (city to Qiannanyu)",
                 price_fen=3000, variants=[("05:30 发车", 45), ("06:00 发车", 45)])
    insurance_update(event=event, insurer="中国人保（演示）", policy="DEMO-PICC-2026", price_fen=1500,
                     own_allowed=True)


def _demo_club(users: dict[str, User]) -> Club:
    """The club, its members, a pending application and a members-only ride on the greenway."""
    club = club_create(founder=users["demo-organizer"], **CLUB)
    membership_invite(club=club, user=users["demo-rider"])  # the demo rider accepted the invitation
    membership_invitation_answer(club=club, user=users["demo-rider"], accept=True, share_contact=True)
    membership_set_dues(membership=club.memberships.get(user=users["demo-rider"]),
                        paid_until=timezone.localdate() + timedelta(days=200))
    membership_apply(club=club, user=users["demo-applicant"], message="我住在广宗，周末想一起骑车。")
    start = timezone.localtime().replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=5)
    club_ride_create(
        club=club, created_by=users["demo-organizer"], slug="guangzong-weekend-greenway",
        title="俱乐部周末绿道骑行（演示）", title_en="Club weekend greenway ride (demo)",
        description="会员专属的七里河绿道休闲骑行，平均速度约 20 公里/小时。",
        description_en="A members-only easy ride on the Qilihe greenway, about 20 km/h.",
        pace="休闲 20 km/h", meeting_point="七里河公园北门", meeting_lat=37.0480, meeting_lon=114.4550,
        starts_at=start, ends_at=start + timedelta(hours=2), registration_closes_at=start - timedelta(hours=12),
        capacity=20, members_only=True,
        route_version=Route.objects.get(slug="qilihe-greenway").current_version)
    return club


def _credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.json"


def _load_passwords() -> dict[str, str]:
    path = _credentials_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _save_passwords(passwords: dict[str, str]) -> None:
    path = _credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)


@transaction.atomic
def demo_load() -> DemoReport:
    """Create whatever part of the demo is missing. Passwords are random, kept in var/."""
    report = DemoReport()
    passwords = _load_passwords()
    for name in groups.ALL:
        Group.objects.get_or_create(name=name)

    brands = brands_create()
    users: dict[str, User] = {}
    for spec in ACCOUNTS:
        spec = dict(spec)
        group_names = spec.pop("groups", [])
        username = spec.pop("username")
        password = passwords.setdefault(username, secrets.token_urlsafe(12))
        user = User.objects.filter(username=username).first()
        if user is None:
            if username == "demo-rider":
                spec["bike_brand"] = brands["taihang-knight"]
            user = user_create(username=username, password=password, email_verified=True, **spec)
            for name in group_names:
                user.groups.add(Group.objects.get(name=name))
            report.created.append(f"user {username}")
        else:
            report.existing.append(f"user {username}")
        users[username] = user
        report.credentials[username] = passwords[username]
    _save_passwords(passwords)

    collection, made = Collection.objects.get_or_create(slug=COLLECTION["slug"], defaults=COLLECTION)
    (report.created if made else report.existing).append(f"collection {collection.slug}")

    for spec in ROUTES:
        spec = dict(spec)
        if Route.objects.filter(slug=spec["slug"]).exists():
            report.existing.append(f"route {spec['slug']}")
            continue
        path = DEMO_GPX_DIR / spec.pop("file")
        collection_slug = spec.pop("collection")
        spec["description"] = f"{spec['description']}\n\n{APPROXIMATE_ZH}"
        spec["description_en"] = f"{spec['description_en']}\n\n{APPROXIMATE_EN}"
        route_import(
            owner=users["demo-organizer"],
            data=path.read_bytes(),
            filename=path.name,
            collection=Collection.objects.get(slug=collection_slug) if collection_slug else None,
            status=Route.Status.PUBLISHED,
            **spec,
        )
        report.created.append(f"route {spec['slug']}")

    for spec in _demo_events(users["demo-organizer"]):
        if Event.objects.filter(slug=spec["slug"]).exists():
            report.existing.append(f"event {spec['slug']}")
            continue
        event = event_create(created_by=users["demo-organizer"], **spec)
        event_publish(event=event)
        report.created.append(f"event {spec['slug']}")
        if spec["slug"] == "taihang-challenge":
            _demo_extras(event)
        if spec["slug"] == "qilihe-ride-festival":
            registration_create(event=event, category=event.categories.get(), rider=users["demo-rider"],
                                answers={"jersey": "M"}, accept_waiver=True)

    if Club.objects.filter(slug=CLUB["slug"]).exists():
        report.existing.append(f"club {CLUB['slug']}")
    else:
        _demo_club(users)
        report.created.append(f"club {CLUB['slug']}")

    if SalesRecord.objects.exists():
        report.existing.append("industry data")
    else:
        with stats_deferred():  # the past events' statistics, all at once below
            industry_demo_load(organizer=users["demo-organizer"], brands=brands)
        stats_compute_all()
        report.created.append("industry data (synthetic brands, sales, past events and riders)")
    return report
