"""Writes to user accounts."""

from django.db import transaction

from accounts.models import HomeArea, User
from accounts.validators import normalize_phone

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
