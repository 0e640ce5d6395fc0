"""Reads of user accounts."""

from __future__ import annotations

from enum import StrEnum

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import User
from core.errors import ServiceError


class AccountCode(StrEnum):
    NO_RIDER = "no_rider"


def rider_public_get(*, username: str) -> User:
    """The active rider with this username, for the public profile; 404 otherwise."""
    return get_object_or_404(User.objects.filter(is_active=True), username=username)


def riders_by_username(*, usernames: list[str], field: str = "username") -> list[User]:
    """The active riders with these usernames, in the order given (repeats once). Naming a
    rider who does not exist is the caller's input error: ServiceError on `field`."""
    wanted = list(dict.fromkeys(u.strip() for u in usernames))
    found = {u.username: u for u in User.objects.filter(username__in=wanted, is_active=True)}
    missing = [name for name in wanted if name not in found]
    if missing:
        raise ServiceError(_("There is no rider with that username.") + f" ({', '.join(missing)})",
                           AccountCode.NO_RIDER, field=field)
    return [found[name] for name in wanted]


def rider_by_username(*, username: str, field: str = "username") -> User:
    return riders_by_username(usernames=[username], field=field)[0]


def api_token_of(*, user: User) -> Token | None:
    """The rider's API token (one per account), to show when it was made and offer revoking it."""
    return Token.objects.filter(user=user).first()


def message_channels(user: User) -> set[str]:
    """How to tell a rider about their events: what they chose (SMS, e-mail or both) among what
    they have (a verified number, an address); the other one when their choice is not there."""
    has = {"email": bool(user.email), "sms": bool(user.phone and user.phone_verified)}
    wanted = {"sms": {"sms"}, "email": {"email"}}.get(user.notify_by, {"sms", "email"})
    chosen = {channel for channel in wanted if has[channel]}
    return chosen or {channel for channel, present in has.items() if present}
