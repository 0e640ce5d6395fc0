"""The clubs' part of a rider's data: memberships (with the message sent when applying) and the
announcements they wrote."""

from __future__ import annotations

from typing import Any

from clubs.models import Announcement, Membership


def export(user: Any) -> dict:
    return {"memberships": [{"club": m.club.name, "role": m.role, "state": m.state, "message": m.message,
                             "paid_until": m.paid_until, "applied_at": m.applied_at}
                            for m in Membership.objects.filter(user=user).select_related("club")],
            "announcements": [{"club": a.club.name, "subject": a.subject, "body": a.body}
                              for a in Announcement.objects.filter(author=user).select_related("club")]}


def erase(user: Any) -> None:
    # the membership stays (the club's statistics), without what the rider wrote; rosters leave out
    # deleted accounts
    Membership.objects.filter(user=user).update(message="")
