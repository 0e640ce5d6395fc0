"""Reads of user accounts."""

from django.shortcuts import get_object_or_404

from accounts.models import User


def rider_public_get(*, username: str) -> User:
    """The active rider with this username, for the public profile; 404 otherwise."""
    return get_object_or_404(User.objects.filter(is_active=True), username=username)
