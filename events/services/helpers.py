"""Check-in helpers (issue 28): the organizer's join link, joining by it, removing a helper. A
helper may check riders in (the check-in page, the device sync and its start list) and nothing
else; the link can be renewed, and the old one stops working."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from events.models import Event, EventHelper, new_helper_key
from events.services.errors import EventCode

SALT = "events.helpers"


def _code(event: Event) -> str:
    return salted_hmac(SALT, f"{event.pk}:{event.helper_key}", algorithm="sha256").hexdigest()[:20]


def helper_join_code(*, event: Event) -> str:
    """The code in the join link."""
    return _code(event)


def helpers_link_renew(*, event: Event) -> str:
    """A new link; the old one stops working (helpers who joined stay until removed)."""
    event.helper_key = new_helper_key()
    event.save(update_fields=["helper_key"])
    return _code(event)


@transaction.atomic
def helper_join(*, event: Event, user: User, code: str) -> EventHelper:
    """Join as a check-in helper by the organizer's link; joining twice is joining once."""
    if not constant_time_compare(code, _code(event)):
        raise ServiceError(_("This helper link is not valid any more: ask the organizer for the current one."),
                           EventCode.HELPER_LINK)
    helper, _created = EventHelper.objects.get_or_create(event=event, user=user,
                                                         defaults={"added_at": timezone.now()})
    return helper


def helper_remove(*, event: Event, helper_id: int) -> None:
    EventHelper.objects.filter(event=event, pk=helper_id).delete()
