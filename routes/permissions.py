"""Who may upload routes: organizers and staff."""

from accounts.models import User


def can_upload_routes(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.groups.filter(name="organizers").exists()))
