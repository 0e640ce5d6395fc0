"""Writes to clubs."""

from django.db import transaction

from clubs.models import Club


@transaction.atomic
def club_create(*, slug: str, name: str, **fields) -> Club:
    club = Club(slug=slug, name=name, **fields)
    club.full_clean()
    club.save()
    return club
