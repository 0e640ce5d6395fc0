"""Reads of clubs."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from clubs.models import Club


def clubs_public() -> QuerySet[Club]:
    return Club.objects.order_by("name")


def club_get(*, slug: str) -> Club:
    return get_object_or_404(Club, slug=slug)
