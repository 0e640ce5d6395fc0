"""Club e-mails in each member's language, through core.outbox: one row per recipient, written
with the fact; dues reminders keyed so that each is queued once however often the job runs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import message_channels
from clubs.models import Announcement, Membership
from clubs.selectors import memberships_active, memberships_admin
from core import outbox
from core.i18n import localized
from core.models import Outbox
from core.sms import Sms, can_send

MEMBERSHIP = "clubs.membership"  # kinds: applied (to each admin), approved, rejected, invited, dues_30, dues_7
ANNOUNCEMENT = "clubs.announcement"  # one row per active member
# (kind, first day, last day): dues ending 8..30 days ahead get the 30-day reminder, 0..7 days
# ahead the 7-day one; each reminder is queued once per paid-until date (the outbox key)
DUES_REMINDERS = (("dues_30", 8, 30), ("dues_7", 0, 7))


def _message(*, user, template: str, context: dict) -> EmailMessage | None:
    if not user.email:
        return None
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {**context, "user": user, "site_url": settings.SITE_URL.rstrip("/"),
                   "club_name": localized(context["club"], "name")}
        subject = render_to_string(f"clubs/mail/{template}_subject.txt", context).strip()
        body = render_to_string(f"clubs/mail/{template}_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


MEMBERSHIP_SMS = {  # kind: text; the SMS template's variables are (club,) or (club, name) for "applied"
    "applied": gettext_lazy("%(name)s applied to join %(club)s: approve or refuse on the club page."),
    "approved": gettext_lazy("Welcome to %(club)s: your application was approved."),
    "rejected": gettext_lazy("%(club)s did not approve your application this time."),
    "invited": gettext_lazy("%(club)s invites you to join: accept or decline on the club page."),
    "dues": gettext_lazy("Your %(club)s membership dues run out soon: renew with the club."),
}


def render_membership(row: Outbox) -> list[EmailMessage | Sms] | None:
    """A membership notice by the channels the person chose (issue 25: riders with only a phone
    heard nothing when approved or invited)."""
    membership = Membership.objects.select_related("club", "user").filter(pk=row.object_id).first()
    if membership is None:
        return None
    kind = row.kind
    user = row.recipient if kind == "applied" else membership.user
    if user is None:
        return None
    channels = message_channels(user)
    messages: list[EmailMessage | Sms] = []
    if "email" in channels:
        email = _message(user=user, template=kind.split("_")[0], context={
            "club": membership.club, "membership": membership, "kind": kind,
            "days": kind.split("_")[1] if kind.startswith("dues") else None})
        if email is not None:
            messages.append(email)
    sms_kind = f"club_{kind.split('_')[0]}"
    if "sms" in channels and can_send(sms_kind):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            params = {"club": localized(membership.club, "name")[:20]}
            if kind == "applied":
                params["name"] = membership.user.public_name[:20]
            text = str(MEMBERSHIP_SMS[kind.split("_")[0]]) % params
        messages.append(Sms(phone=user.phone, kind=sms_kind, params=params, text=text))
    return messages or None


def render_announcement(row: Outbox) -> list[EmailMessage | Sms] | None:
    """An announcement by the channels the member chose (an SMS says there is one, with its title)."""
    announcement = Announcement.objects.select_related("club").filter(pk=row.object_id).first()
    if announcement is None or row.recipient is None:
        return None
    user = row.recipient
    channels = message_channels(user)
    messages: list[EmailMessage | Sms] = []
    if "email" in channels:
        email = _message(user=user, template="announcement",
                         context={"club": announcement.club, "announcement": announcement})
        if email is not None:
            messages.append(email)
    if "sms" in channels and can_send("announcement"):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            params = {"club": localized(announcement.club, "name")[:20], "title": announcement.subject[:20]}
            messages.append(Sms(phone=user.phone, kind="announcement", params=params,
                                text=_("%(club)s announces: %(title)s. Read it on the club page.") % params))
    return messages or None


def member(row: Outbox) -> object:
    """Whom a membership message is for when the row does not say (the admin's "to" column)."""
    membership = Membership.objects.select_related("user").filter(pk=row.object_id).first()
    return membership.user if membership else None


def membership_mail_on_commit(*, membership: Membership, kind: str) -> None:
    """Queue a membership e-mail in the caller's transaction; "applied" goes to every admin."""
    if kind == "applied":
        admins = memberships_admin(club_id=membership.club_id).values_list("user_id", flat=True)
        outbox.enqueue_many((MEMBERSHIP, kind, membership.pk, admin, None) for admin in admins)
    else:
        outbox.enqueue(MEMBERSHIP, kind, membership.pk)


def announcement_mail_on_commit(*, announcement: Announcement) -> None:
    """One e-mail per active member at the moment it is written."""
    members = memberships_active(club_id=announcement.club_id).values_list("user_id", flat=True)
    outbox.enqueue_many((ANNOUNCEMENT, "announcement", announcement.pk, user, None) for user in members)


def dues_reminders_send(*, today: datetime.date | None = None) -> int:
    """Queue e-mails to members 30 and 7 days before their dues expire, once each, however often
    it runs. Returns how many were new."""
    today = today or timezone.localdate()
    keys: dict[str, tuple[str, str, int]] = {}
    for kind, first, last in DUES_REMINDERS:
        due = memberships_active().filter(paid_until__gte=today + datetime.timedelta(days=first),
                                          paid_until__lte=today + datetime.timedelta(days=last))
        for pk, paid_until in due.values_list("pk", "paid_until"):
            keys[f"club:{kind}:{pk}:{paid_until.isoformat()}"] = (MEMBERSHIP, kind, pk)
    return outbox.enqueue_keyed(keys)
