"""Writes for clubs: founding, memberships and roles, dues, announcements, club rides, team entries.

Club rides and team entries are events' business: this module keeps the club's rules and asks
events.services to create the event or the registrations."""

from __future__ import annotations

import calendar
import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clubs.models import Announcement, Club, Membership
from clubs.notifications import announcement_mail_on_commit, membership_mail_on_commit
from clubs.selectors import memberships_active
from core import money
from core.errors import ServiceError
from core.services import model_update
from core.slugs import insert_with_unique_slug, unique_slug
from events import services as events_services
from events.models import Category, Event, Registration
from payments.models import Order
from payments.services import order_create
from routes.models import RouteVersion

RESERVED_SLUGS = frozenset({"new"})  # path segments of clubs/urls.py
MESSAGE_MAX_LENGTH = 2000
MEMBER_ACTIONS = ("approve", "reject", "remove", "role", "dues")  # membership_act
SHARED_STATES = (Membership.State.ACTIVE,)  # whose contact data the club's admins may see


class ClubCode(StrEnum):
    INVITE_ONLY = "invite_only"
    DECIDED = "decided"
    LAST_OWNER = "last_owner"
    ROLE = "role"
    NOT_ACTIVE = "not_active"
    NOT_MEMBERS = "not_members"
    NOT_MEMBER = "not_member"
    NOT_INVITED = "not_invited"
    OWNER_ONLY = "owner_only"


@transaction.atomic
def club_create(*, name: str, founder: User | None = None, slug: str = "", **fields: object) -> Club:
    """Any rider can found a club and becomes its owner."""
    fields = money.spec_in_fen(fields, "dues_cny", "dues_fen")
    text = str(fields.get("name_en") or name)
    club = Club(name=name, slug=slug or unique_slug(Club, text, fallback="club", reserved=RESERVED_SLUGS), **fields)
    club.full_clean(validate_unique=bool(slug))  # a chosen slug is checked here, a made one on insert
    if slug:
        club.save()
    else:  # ten riders founding "骑行俱乐部" at once each get a club, never a 500
        insert_with_unique_slug(club, text=text, fallback="club", reserved=RESERVED_SLUGS)
    if founder is not None:
        Membership.objects.create(club=club, user=founder, role=Membership.Role.OWNER, state=Membership.State.ACTIVE,
                                  decided_at=timezone.now())
    return club


@transaction.atomic
def club_update(*, club: Club, **fields: object) -> Club:
    return model_update(instance=club, fields=money.spec_in_fen(fields, "dues_cny", "dues_fen"))


@transaction.atomic
def membership_apply(*, club: Club, user: User, message: str = "", share_contact: bool = False) -> Membership:
    """Join (open club) or apply (approval club); invite-only clubs refuse. A repeat changes nothing.
    `share_contact`: the rider's consent that the club's admins see their contact details."""
    if club.join_policy == Club.JoinPolicy.INVITE:
        raise ServiceError(_("This club is invite only: ask an admin to add you."), ClubCode.INVITE_ONLY)
    membership, created = Membership.objects.select_for_update().get_or_create(club=club, user=user)
    if membership.state in (Membership.State.ACTIVE, Membership.State.PENDING) and not created:
        return membership
    membership.role = Membership.Role.MEMBER
    membership.shares_contact = share_contact
    membership.message = message.replace("\x00", "")[:MESSAGE_MAX_LENGTH]  # PostgreSQL cannot store NUL
    membership.applied_at = timezone.now()
    if club.join_policy == Club.JoinPolicy.OPEN:
        membership.state, membership.decided_at = Membership.State.ACTIVE, timezone.now()
    else:
        membership.state, membership.decided_at = Membership.State.PENDING, None
    membership.save()
    if membership.state == Membership.State.PENDING:
        membership_mail_on_commit(membership=membership, kind="applied")
    return membership


@transaction.atomic
def membership_invite(*, club: Club, user: User) -> Membership:
    """An admin invites a rider (how invite-only clubs grow). Nothing of the rider is shown to the
    club until they accept; an applicant who is invited is approved, having asked to join."""
    membership, _created = Membership.objects.select_for_update().get_or_create(
        club=club, user=user, defaults={"state": Membership.State.INVITED})
    if membership.state in (Membership.State.ACTIVE, Membership.State.INVITED) and not _created:
        return membership
    if membership.state == Membership.State.PENDING:
        membership.state, membership.decided_at = Membership.State.ACTIVE, timezone.now()
        membership.save(update_fields=["state", "decided_at"])
        membership_mail_on_commit(membership=membership, kind="approved")
        return membership
    membership.state, membership.role, membership.decided_at = (Membership.State.INVITED, Membership.Role.MEMBER,
                                                                None)
    membership.applied_at = timezone.now()
    membership.save()
    membership_mail_on_commit(membership=membership, kind="invited")
    return membership


@transaction.atomic
def membership_invitation_answer(*, club: Club, user: User, accept: bool, share_contact: bool = False) -> Membership:
    """The invited rider accepts (becomes an active member) or declines (nothing changes for the club)."""
    membership = Membership.objects.select_for_update().filter(club=club, user=user).first()
    if membership is None or membership.state != Membership.State.INVITED:
        raise ServiceError(_("You have no invitation from this club."), ClubCode.NOT_INVITED)
    membership.state = Membership.State.ACTIVE if accept else Membership.State.DECLINED
    membership.shares_contact = accept and share_contact
    membership.decided_at = timezone.now()
    membership.save(update_fields=["state", "decided_at", "shares_contact"])
    return membership


@transaction.atomic
def membership_share_contact(*, club: Club, user: User, share: bool) -> Membership:
    """The member gives or withdraws consent to show their contact details to the club's admins."""
    membership = Membership.objects.select_for_update().filter(club=club, user=user).first()
    if membership is None or membership.state not in (Membership.State.ACTIVE, Membership.State.PENDING):
        raise ServiceError(_("You are not a member of this club."), ClubCode.NOT_INVITED)
    membership.shares_contact = share
    membership.save(update_fields=["shares_contact"])
    return membership


@transaction.atomic
def membership_decide(*, membership: Membership, approve: bool) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.state != Membership.State.PENDING:
        raise ServiceError(_("This application was already decided."), ClubCode.DECIDED)
    membership.state = Membership.State.ACTIVE if approve else Membership.State.REJECTED
    membership.decided_at = timezone.now()
    membership.save(update_fields=["state", "decided_at"])
    membership_mail_on_commit(membership=membership, kind="approved" if approve else "rejected")
    return membership


def _is_owner(club: Club, user: User | None) -> bool:
    if user is None:
        return False
    return bool(user.is_staff) or memberships_active(club_id=club.pk, user=user).filter(
        role=Membership.Role.OWNER).exists()


def _owner_check(membership: Membership, actor: User | None, role: str | None = None) -> None:
    """Only an owner grants ownership or changes (removes, demotes) an owner's membership."""
    touches_owner = membership.role == Membership.Role.OWNER or role == Membership.Role.OWNER
    if touches_owner and not _is_owner(membership.club, actor):
        raise ServiceError(_("Only an owner can grant or remove ownership."), ClubCode.OWNER_ONLY)


def _owners_left(club: Club, without: Membership) -> int:
    return (memberships_active(club_id=club.pk).select_for_update().filter(role=Membership.Role.OWNER)
            .exclude(pk=without.pk).count())


def _end(*, membership: Membership, state: str, last_owner_message: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and _owners_left(membership.club, membership) == 0:
        raise ServiceError(last_owner_message, ClubCode.LAST_OWNER)
    membership.state, membership.role = state, Membership.Role.MEMBER
    membership.save(update_fields=["state", "role"])
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    return _end(membership=membership, state=Membership.State.LEFT,
                last_owner_message=_("You are the last owner: make another member an owner before you leave."))


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None = None) -> Membership:
    """An admin removes a member; an owner is removed only by another owner (actor None: the
    system, e.g. a management command)."""
    if actor is not None:
        _owner_check(Membership.objects.select_for_update().get(pk=membership.pk), actor)
    return _end(membership=membership, state=Membership.State.REMOVED,
                last_owner_message=_("The last owner cannot be removed."))


def membership_leave_club(*, club: Club, user: User) -> Membership:
    """A member leaves, or an applicant withdraws; anyone else is told they are not a member."""
    membership = Membership.objects.filter(club=club, user=user).first()
    if membership is None or membership.state not in (Membership.State.ACTIVE, Membership.State.PENDING):
        raise ServiceError(_("You are not a member of this club."), ClubCode.NOT_MEMBER)
    return membership_leave(membership=membership)


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor: User | None = None) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role not in Membership.Role.values:
        raise ServiceError(_("Unknown role."), ClubCode.ROLE)
    if actor is not None:
        _owner_check(membership, actor, role)
    if membership.state != Membership.State.ACTIVE:
        raise ServiceError(_("Only active members have roles."), ClubCode.NOT_ACTIVE)
    if (membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER
            and _owners_left(membership.club, membership) == 0):
        raise ServiceError(_("The last owner cannot be demoted: make another member an owner first."),
                           ClubCode.LAST_OWNER)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_set_dues(*, membership: Membership, paid_until: datetime.date | None) -> Membership:
    membership.paid_until = paid_until
    membership.save(update_fields=["paid_until"])
    return membership


def membership_act(*, membership: Membership, actor: User, action: str, role: str = "",
                   paid_until: datetime.date | None = None) -> Membership:
    """An admin's action on a membership, as the admin pages and the API name them."""
    if action in ("approve", "reject"):
        return membership_decide(membership=membership, approve=action == "approve")
    if action == "remove":
        return membership_remove(membership=membership, actor=actor)
    if action == "role":
        return membership_set_role(membership=membership, role=role, actor=actor)
    return membership_set_dues(membership=membership, paid_until=paid_until)


@transaction.atomic
def announcement_create(*, club: Club, author: User, subject: str, body: str) -> Announcement:
    announcement = Announcement(club=club, author=author, subject=subject, body=body)
    announcement.full_clean()
    announcement.save()
    announcement_mail_on_commit(announcement=announcement)
    return announcement


@transaction.atomic
def club_ride_create(*, club: Club, created_by: User, title: str, capacity: int, members_only: bool,
                     route_version: RouteVersion | None = None, title_en: str = "", **fields: Any) -> Event:
    """A published club ride: an event of kind "club ride" with one category, registration open
    from now, run by the club (its admins organize it)."""
    event = events_services.event_create(
        created_by=created_by, kind=Event.Kind.CLUB_RIDE, club=club, members_only=members_only, title=title,
        title_en=title_en, registration_opens_at=timezone.now() - datetime.timedelta(minutes=1),
        categories=[{"name": title, "name_en": title_en, "capacity": capacity, "route_version": route_version}],
        **fields)
    return events_services.event_publish(event=event)


@transaction.atomic
def team_entry_create(*, club: Club, category: Category, members: list[User]) -> list[Registration]:
    """Enter several active members at once: all of them get a seat, or nobody does. The club's
    rule (only active members) is checked here; seats, eligibility and mail are events'."""
    active = set(memberships_active(club_id=club.pk).filter(user__in=members).values_list("user_id", flat=True))
    outsiders = [m.public_name for m in members if m.pk not in active]
    if outsiders:
        raise ServiceError(_("Not active members of the club: %(names)s.") % {"names": ", ".join(outsiders)},
                           ClubCode.NOT_MEMBERS)
    return events_services.registrations_create_group(category=category, riders=members)


def dues_order(*, membership: Membership) -> Any:
    """The order for the next dues period of an active member (the amount is the club's)."""
    club = membership.club
    if membership.state != Membership.State.ACTIVE:
        raise ServiceError(_("Only members pay dues."), "not_member")
    if club.dues_fen <= 0:
        raise ServiceError(_("This club collects no dues online."), "no_dues")
    description = _("%(club)s: dues for %(months)s months") % {"club": club.name, "months": club.dues_months}
    return order_create(rider=membership.user, kind=Order.Kind.DUES, amount_fen=club.dues_fen, subject_id=membership.pk,
                        description=description, return_path=reverse("clubs:detail", args=[club.slug]))


def _months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def dues_extend(*, membership_id: int) -> Membership:
    """A dues period was paid: "paid until" moves on by the club's period, from the old date or,
    if that has passed, from today (in the payment's transaction)."""
    membership = Membership.objects.select_for_update().select_related("club").get(pk=membership_id)
    today = timezone.localdate()
    start = membership.paid_until if membership.paid_until and membership.paid_until >= today else today
    membership.paid_until = _months_after(start, membership.club.dues_months)
    membership.save(update_fields=["paid_until"])
    return membership
