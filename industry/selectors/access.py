"""Who may see the insights: analysts see every brand, a maker's staff their own brands."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from core import groups
from industry.models import Brand


def is_analyst(user: User | None) -> bool:
    return groups.in_group(user, groups.ANALYSTS)


def brands_of(user: User | None) -> QuerySet[Brand]:
    if user is None or not user.is_authenticated:
        return Brand.objects.none()
    return Brand.objects.filter(users=user)


def visible_brands(user: User | None) -> QuerySet[Brand]:
    """Whose sales this user may see: all for analysts, their own brand's for brand staff."""
    return Brand.objects.all() if is_analyst(user) else brands_of(user)


def may_see_insights(user: User | None) -> bool:
    return is_analyst(user) or brands_of(user).exists()
