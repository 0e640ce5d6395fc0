"""Reads of clubs."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from clubs.models import Club


def clubs_public() -> QuerySet[Club]:
    return Club.objects.order_by("name")


def club_get(*, slug: str) -> Club:
    return get_object_or_404(Club, slug=slug)


def club_ids_of_member(*, user) -> list[int]:
    """Ids of the clubs where the user is an active member; routes with visibility "club" check
    this. Memberships arrive with the clubs work: until then nobody is a member of any club."""
    return []
