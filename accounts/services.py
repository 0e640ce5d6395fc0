"""Writes to user accounts."""

import datetime
import uuid

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import has_verified_email
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import HomeArea, User
from accounts.validators import normalize_phone
from core import personal_data
from core.errors import ServiceError
from core.models import Outbox

PROFILE_FIELDS = (
    "display_name",
    "real_name",
    "gender",
    "date_of_birth",
    "mobile",
    "home_area",
    "home_area_other",
    "emergency_contact_name",
    "emergency_contact_phone",
    "bike_brand",
    "language",
    "notify_by",
    "show_name_publicly",
)


@transaction.atomic
def profile_update(*, user: User, **fields) -> User:
    """Update the rider's own profile; phones are stored in E.164. Raises ValidationError."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    for name in ("mobile", "emergency_contact_phone"):
        if fields.get(name):
            fields[name] = normalize_phone(fields[name])
    for name, value in fields.items():
        setattr(user, name, value)
    if user.home_area != HomeArea.OTHER:
        user.home_area_other = ""
    user.full_clean()
    user.save(update_fields=[*fields, "home_area_other"])
    return user


@transaction.atomic
def user_create(*, username: str, email: str, password: str, email_verified: bool = False, **profile) -> User:
    """Create an account with its allauth e-mail record (verified only when we vouch for it)."""
    # allauth's models import the user model: loading them at module level would be circular
    from allauth.account.models import EmailAddress  # noqa: PLC0415

    user = User(username=username, email=email, **profile)
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


FEED_SALT = "events.feed"


def feed_token(user: User) -> str:
    """The secret part of the rider's calendar feed URL (a calendar app cannot log in)."""
    return signing.Signer(salt=FEED_SALT).sign(f"{user.pk}.{user.feed_version}")


def feed_rider(token: str) -> User | None:
    """The rider a feed token stands for; None when forged or rotated away."""
    try:
        value = signing.Signer(salt=FEED_SALT).unsign(token)
        pk, version = value.split(".") if "." in value else (value, "0")  # links made before rotation existed
        return User.objects.filter(pk=int(pk), feed_version=int(version), is_active=True).first()
    except (signing.BadSignature, ValueError):
        return None


@transaction.atomic
def feed_rotate(*, user: User) -> str:
    """A new calendar feed link; the old one stops working at once."""
    User.objects.filter(pk=user.pk).update(feed_version=F("feed_version") + 1)
    user.refresh_from_db(fields=["feed_version"])
    return feed_token(user)


def api_token_get(*, user: User) -> Token:
    return Token.objects.get_or_create(user=user)[0]


def api_token_revoke(*, user: User) -> bool:
    """Delete the rider's API token: every app using it is signed out."""
    return Token.objects.filter(user=user).delete()[0] > 0


def api_token_login(*, request: HttpRequest, login: str, password: str) -> Token:
    """The API's log-in: the same adapter, failed-login limits and verification as the HTML one
    (the number, the username or the e-mail address; a verified number or address)."""
    from allauth.account.internal.flows.login import derive_login_method  # noqa: PLC0415

    method = derive_login_method(login)
    credentials = {method.value: login, "password": password}
    if method != "username":
        credentials["username"] = login  # usernames that look like e-mail addresses or numbers
    try:
        user = get_adapter(request).authenticate(request, **credentials)
    except ValidationError as exc:  # allauth's "too many failed attempts"
        raise ServiceError(_("Too many failed attempts: try again in a few minutes."), "too_many_attempts",
                           http_status=429) from exc
    if user is None or not user.is_active:
        raise ServiceError(_("The username or password is not correct."), "credentials")
    if not (user.phone_verified or has_verified_email(user)):
        raise ServiceError(_("Confirm your e-mail address first: open the link we sent you."), "unverified")
    return api_token_get(user=user)


PROFILE_EXPORT = ("username", "email", "phone", "phone_verified", *PROFILE_FIELDS, "date_joined", "last_login")


def account_data(*, user: User) -> dict:
    """Everything the platform holds about the rider (their profile and every app's section), as
    JSON-able data: the download on /me/."""
    profile = {name: getattr(user, name) for name in PROFILE_EXPORT}
    profile["bike_brand"] = user.bike_brand.name if user.bike_brand else None
    emails = list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary"))
    return {"profile": profile, "email_addresses": emails, **personal_data.export(user)}


@transaction.atomic
def account_delete(*, user: User) -> User:
    """Delete an account (PIPL): every app erases its personal data first (registrations keep the
    rider's age on the event day, orders their amounts), then the profile is cleared and the
    account closed. What statistics count stays: gender, home county and bike brand, with no name,
    number, address or birth date left to tie them to a person."""
    personal_data.release(user)  # future seats go back (waitlist promoted, refunds by each event's policy)
    personal_data.erase(user)
    EmailAddress.objects.filter(user=user).delete()
    if hasattr(user, "socialaccount_set"):
        user.socialaccount_set.all().delete()
    Token.objects.filter(user=user).delete()
    Outbox.objects.filter(recipient=user, status=Outbox.Status.PENDING).delete()
    user.username = f"deleted-{user.pk}"
    user.email = user.first_name = user.last_name = user.display_name = user.real_name = ""
    user.mobile = user.phone = user.emergency_contact_name = user.emergency_contact_phone = ""
    user.home_area_other = ""
    user.phone_verified = user.show_name_publicly = user.is_active = user.is_staff = False
    user.date_of_birth = None
    user.set_unusable_password()
    user.feed_version += 1
    user.save()
    user.groups.clear()
    return user


def account_delete_preview(*, user: User) -> list[str]:
    """What deleting the account will do to what the person still holds, in their words."""
    return personal_data.preview(user)


def companion_create(*, guardian: User, real_name: str, gender: str, date_of_birth: datetime.date,
                     mobile: str = "") -> User:
    """A family member or friend without an account, registered by an adult who answers for them:
    an account that cannot sign in, managed by its guardian."""
    if not real_name.strip():
        raise ServiceError(_("Give the companion's real name."), "companion", field="real_name")
    user = User(username=f"companion-{uuid.uuid4().hex[:10]}", real_name=real_name.strip()[:60],
                display_name=real_name.strip()[:60], gender=gender, date_of_birth=date_of_birth,
                mobile=normalize_phone(mobile) if mobile else "", guardian=guardian, language=guardian.language,
                notify_by=guardian.notify_by)
    user.set_unusable_password()
    user.save()
    return user


def privacy_zone_set(*, rider: User, lat: float | None, lon: float | None, radius_m: int) -> User:
    """Set (radius > 0, with a centre) or clear (radius 0) the rider's privacy zone: uploaded rides
    never show points inside it (routes.selectors.ride_line_shown)."""
    if radius_m < 0 or radius_m > 5000:
        raise ServiceError(_("The privacy zone's radius must be between 0 and 5,000 m."), "zone_radius",
                           field="radius_m")
    if radius_m and (lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180)):
        raise ServiceError(_("Give the centre of the privacy zone (latitude and longitude)."), "zone_centre",
                           field="lat")
    rider.privacy_zone_m = radius_m
    rider.privacy_zone_lat, rider.privacy_zone_lon = (lat, lon) if radius_m else (None, None)
    rider.save(update_fields=["privacy_zone_m", "privacy_zone_lat", "privacy_zone_lon"])
    return rider
