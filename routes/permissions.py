"""Who may upload routes: organizers and staff."""

from accounts.models import User
from core import groups


def can_upload_routes(user: User) -> bool:
    return groups.in_group(user, groups.ORGANIZERS)
