"""Writes for clubs: founding, memberships and roles, dues, announcements, club rides, team entries."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clubs.models import Announcement, Club, Membership
from cycling.slugs import unique_slug
from events.models import Category, Event, Registration

RESERVED_SLUGS = frozenset({"new"})  # path segments of clubs/urls.py


class ClubError(ValidationError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)
        self.error_code = code


def _mail_on_commit(kind: str, object_id: int) -> None:
    from clubs.tasks import send_club_mail

    send_club_mail.delay_on_commit(kind, object_id)


@transaction.atomic
def club_create(*, name: str, founder: User | None = None, slug: str = "", **fields) -> Club:
    """Any rider can found a club and becomes its owner."""
    slug = slug or unique_slug(Club, fields.get("name_en") or name, fallback="club", reserved=RESERVED_SLUGS)
    club = Club(name=name, slug=slug, **fields)
    club.full_clean()
    club.save()
    if founder is not None:
        Membership.objects.create(club=club, user=founder, role=Membership.Role.OWNER, state=Membership.State.ACTIVE,
                                  decided_at=timezone.now())
    return club


@transaction.atomic
def club_update(*, club: Club, **fields) -> Club:
    for name, value in fields.items():
        setattr(club, name, value)
    club.full_clean()
    club.save()
    return club


@transaction.atomic
def membership_apply(*, club: Club, user: User, message: str = "") -> Membership:
    """Join (open club) or apply (approval club); invite-only clubs refuse. A repeat changes nothing."""
    if club.join_policy == Club.JoinPolicy.INVITE:
        raise ClubError(_("This club is invite only: ask an admin to add you."), "invite_only")
    membership, _created = Membership.objects.select_for_update().get_or_create(club=club, user=user)
    if membership.state in (Membership.State.ACTIVE, Membership.State.PENDING) and not _created:
        return membership
    membership.role = Membership.Role.MEMBER
    membership.message = message[:2000]
    membership.applied_at = timezone.now()
    if club.join_policy == Club.JoinPolicy.OPEN:
        membership.state, membership.decided_at = Membership.State.ACTIVE, timezone.now()
    else:
        membership.state, membership.decided_at = Membership.State.PENDING, None
    membership.save()
    if membership.state == Membership.State.PENDING:
        _mail_on_commit("applied", membership.pk)
    return membership


@transaction.atomic
def membership_add(*, club: Club, user: User) -> Membership:
    """An admin adds a rider directly (how invite-only clubs grow); the rider is e-mailed."""
    membership, _created = Membership.objects.select_for_update().get_or_create(club=club, user=user)
    if membership.state == Membership.State.ACTIVE:
        return membership
    membership.state, membership.role, membership.decided_at = (Membership.State.ACTIVE, Membership.Role.MEMBER,
                                                                timezone.now())
    membership.save()
    _mail_on_commit("added", membership.pk)
    return membership


@transaction.atomic
def membership_decide(*, membership: Membership, approve: bool) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.state != Membership.State.PENDING:
        raise ClubError(_("This application was already decided."), "decided")
    membership.state = Membership.State.ACTIVE if approve else Membership.State.REJECTED
    membership.decided_at = timezone.now()
    membership.save(update_fields=["state", "decided_at"])
    _mail_on_commit("approved" if approve else "rejected", membership.pk)
    return membership


def _owners_left(club: Club, without: Membership) -> int:
    return (Membership.objects.select_for_update().filter(club=club, role=Membership.Role.OWNER,
                                                          state=Membership.State.ACTIVE)
            .exclude(pk=without.pk).count())


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and _owners_left(membership.club, membership) == 0:
        raise ClubError(_("You are the last owner: make another member an owner before you leave."), "last_owner")
    membership.state, membership.role = Membership.State.LEFT, Membership.Role.MEMBER
    membership.save(update_fields=["state", "role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and _owners_left(membership.club, membership) == 0:
        raise ClubError(_("The last owner cannot be removed."), "last_owner")
    membership.state, membership.role = Membership.State.REMOVED, Membership.Role.MEMBER
    membership.save(update_fields=["state", "role"])
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role not in Membership.Role.values:
        raise ClubError(_("Unknown role."), "role")
    if membership.state != Membership.State.ACTIVE:
        raise ClubError(_("Only active members have roles."), "not_active")
    if (membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER
            and _owners_left(membership.club, membership) == 0):
        raise ClubError(_("The last owner cannot be demoted: make another member an owner first."), "last_owner")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_set_dues(*, membership: Membership, paid_until: datetime.date | None) -> Membership:
    membership.paid_until = paid_until
    membership.save(update_fields=["paid_until"])
    return membership


def dues_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail members 30 and 7 days before their dues expire, once each, however often it runs."""
    from clubs.notifications import membership_mail_send

    today = today or timezone.localdate()
    sent = 0
    for days in (30, 7):
        lower = today + datetime.timedelta(days=0 if days == 7 else 8)
        upper = today + datetime.timedelta(days=days)
        due = Membership.objects.filter(state=Membership.State.ACTIVE, paid_until__gte=lower, paid_until__lte=upper)
        for membership in due.select_related("user", "club"):
            sent += membership_mail_send(membership=membership, kind=f"dues_{days}")
    return sent


@transaction.atomic
def announcement_create(*, club: Club, author: User, subject: str, body: str) -> Announcement:
    announcement = Announcement(club=club, author=author, subject=subject, body=body)
    announcement.full_clean()
    announcement.save()
    from clubs.tasks import send_announcement

    send_announcement.delay_on_commit(announcement.pk)
    return announcement


@transaction.atomic
def club_ride_create(*, club: Club, created_by: User, title: str, capacity: int, members_only: bool,
                     route_version=None, title_en: str = "", **fields) -> Event:
    """A published club ride: an event of kind "club ride" with one category, registration open
    from now, run by the club (its admins organize it)."""
    from events.services import event_create, event_publish

    event = event_create(
        created_by=created_by, kind=Event.Kind.CLUB_RIDE, club=club, members_only=members_only, title=title,
        title_en=title_en, registration_opens_at=timezone.now() - datetime.timedelta(minutes=1),
        categories=[{"name": title, "name_en": title_en, "capacity": capacity, "route_version": route_version}],
        **fields)
    return event_publish(event=event)


@transaction.atomic
def team_entry_create(*, club: Club, category: Category, members: list[User]) -> list[Registration]:
    """Enter several active members at once: every one gets a seat, or nobody does and the
    reason is given. The category row is locked for the whole check-and-write."""
    from events import services as events_services

    event = category.event
    if not members:
        raise ClubError(_("Choose at least one member."), "empty")
    problem = events_services.registration_window_error(event)
    if problem:
        raise ClubError(problem, "closed")
    if event.questions.filter(required=True).exists():
        raise ClubError(_("This event asks every rider questions: members must register themselves."), "questions")
    active = set(Membership.objects.filter(club=club, state=Membership.State.ACTIVE, user__in=members)
                 .values_list("user_id", flat=True))
    outsiders = [m.public_name for m in members if m.pk not in active]
    if outsiders:
        raise ClubError(_("Not active members of the club: %(names)s.") % {"names": ", ".join(outsiders)},
                        "not_members")
    for member in members:
        try:
            events_services.check_rider(category, member)
        except ValidationError as exc:
            raise ClubError(f"{member.public_name}: {' '.join(exc.messages)}", "ineligible") from exc
    locked = events_services.lock_category(category)
    already = list(Registration.objects.filter(event=event, rider__in=members, status__in=Registration.ACTIVE)
                   .select_related("rider"))
    if already:
        raise ClubError(_("Already registered for this event: %(names)s.")
                        % {"names": ", ".join(r.rider.public_name for r in already)}, "already_registered")
    free = locked.capacity - events_services.recount(locked).confirmed_count
    if free < len(members):
        raise ClubError(_("Only %(free)s seats are left in this category for %(count)s members: nobody was "
                          "entered.") % {"free": max(free, 0), "count": len(members)}, "not_enough_seats")
    now = timezone.now()
    entries = []
    for member in members:
        entries.append(Registration.objects.create(
            event=event, category=locked, rider=member, status=Registration.Status.CONFIRMED,
            bib=events_services.take_bib(locked), queued_at=now, confirmed_at=now))
        events_services.mail_on_commit(entries[-1].pk, "team_entry")
    Category.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + len(members))
    return entries
