"""Club e-mails in each member's language, sent once per fact however often a task runs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from clubs.models import Announcement, Membership
from clubs.selectors import memberships_active, memberships_admin
from core.i18n import localized
from core.services import notification_claim

# (kind, first day, last day): dues ending 8..30 days ahead get the 30-day reminder, 0..7 days
# ahead the 7-day one; each reminder is sent once per paid-until date (the notification key)
DUES_REMINDERS = (("dues_30", 8, 30), ("dues_7", 0, 7))


def _send(*, key: str, user, template: str, context: dict) -> bool:
    if not user.email:
        return False
    with transaction.atomic():  # the claim rolls back if sending fails, so a retry sends it
        if not notification_claim(key):
            return False
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {**context, "user": user, "site_url": settings.SITE_URL.rstrip("/")}
            if "club" in context:
                context["club_name"] = localized(context["club"], "name")
            subject = render_to_string(f"clubs/mail/{template}_subject.txt", context).strip()
            body = render_to_string(f"clubs/mail/{template}_body.txt", context)
        EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return True


def membership_mail_send(*, membership: Membership, kind: str) -> bool:
    """kind: applied (to the club's admins), approved, rejected, added, dues_30, dues_7."""
    club = membership.club
    if kind == "applied":
        admins = memberships_admin(club_id=club.pk).select_related("user")
        sent = sum(_send(key=f"club:applied:{membership.pk}:{membership.applied_at.isoformat()}:{a.user_id}",
                         user=a.user, template="applied", context={"club": club, "membership": membership})
                   for a in admins)
        return sent > 0
    stamp = membership.paid_until.isoformat() if kind.startswith("dues") else membership.decided_at.isoformat()
    return _send(key=f"club:{kind}:{membership.pk}:{stamp}", user=membership.user, template=kind.split("_")[0],
                 context={"club": club, "membership": membership, "kind": kind,
                          "days": kind.split("_")[1] if kind.startswith("dues") else None})


def announcement_send(*, announcement_id: int) -> int:
    """One e-mail per active member; a retried task skips those already sent."""
    announcement = Announcement.objects.select_related("club").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    members = memberships_active(club_id=announcement.club_id).select_related("user")
    return sum(_send(key=f"club:announcement:{announcement.pk}:{m.user_id}", user=m.user, template="announcement",
                     context={"club": announcement.club, "announcement": announcement}) for m in members)


def dues_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail members 30 and 7 days before their dues expire, once each, however often it runs."""
    today = today or timezone.localdate()
    sent = 0
    for kind, first, last in DUES_REMINDERS:
        due = memberships_active().filter(paid_until__gte=today + datetime.timedelta(days=first),
                                          paid_until__lte=today + datetime.timedelta(days=last))
        for membership in due.select_related("user", "club"):
            sent += membership_mail_send(membership=membership, kind=kind)
    return sent
