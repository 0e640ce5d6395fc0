"""Reads of clubs: memberships, who may see what, rosters, club rides.

Every "is an active member" and "is an admin" question is answered by memberships_active and
memberships_admin; routes and events ask the same functions through core.memberships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from clubs.models import Club, Membership
from core.i18n import localized
from events.models import Event, Registration

ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def memberships_active(*, club_id: int | None = None, user: Any = None) -> QuerySet[Membership]:
    """Active memberships, of one club and/or one user."""
    rows = Membership.objects.filter(state=Membership.State.ACTIVE)
    if club_id is not None:
        rows = rows.filter(club_id=club_id)
    if user is not None:
        rows = rows.filter(user=user)
    return rows


def memberships_admin(*, club_id: int | None = None, user: Any = None) -> QuerySet[Membership]:
    """Active memberships with an owner or admin role."""
    return memberships_active(club_id=club_id, user=user).filter(role__in=ADMIN_ROLES)


def clubs_public() -> QuerySet[Club]:
    return Club.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__state=Membership.State.ACTIVE))).order_by("name")


def club_get(*, slug: str) -> Club:
    club = Club.objects.filter(slug=slug).first()
    if club is None:
        raise Http404
    return club


def membership_of(*, club: Club, user: User | None) -> Membership | None:
    if not _signed_in(user):
        return None
    return Membership.objects.filter(club=club, user=user).first()


def members_among(*, user_ids: list[int]) -> set[int]:
    """Which of these riders are active members of some club (a ballot's quota rule)."""
    found: set[int] = set()
    for start in range(0, len(user_ids), 5000):
        found.update(memberships_active().filter(user_id__in=user_ids[start:start + 5000])
                     .values_list("user_id", flat=True))
    return found


def club_ids_of_member(*, user: Any) -> list[int]:
    """Ids of the clubs where the user is an active member (routes with visibility "club")."""
    if not _signed_in(user):
        return []
    return list(memberships_active(user=user).values_list("club_id", flat=True))


def is_club_admin(*, club_id: int, user: Any) -> bool:
    if not _signed_in(user):
        return False
    return bool(user.is_staff) or memberships_admin(club_id=club_id, user=user).exists()


def is_active_member(*, club_id: int, user: Any) -> bool:
    return _signed_in(user) and memberships_active(club_id=club_id, user=user).exists()


def club_for_admin(*, slug: str, user: User | None) -> Club:
    """The club when the user administers it; 404 for everyone else (never 403)."""
    club = club_get(slug=slug)
    if not is_club_admin(club_id=club.pk, user=user):
        raise Http404
    return club


def club_names() -> dict[str, str]:
    """Slug -> name in the reader's language (statistics name clubs by slug)."""
    return {club.slug: localized(club, "name") for club in Club.objects.all()}


def clubs_administered_by(*, user: Any) -> list[Club]:
    if not _signed_in(user):
        return []
    return [m.club for m in memberships_admin(user=user).select_related("club")]


@dataclass
class Roster:
    level: str  # "admin" (contact, emergency, dues), "member" (names and roles), "public" (names)
    memberships: QuerySet[Membership] | list[Membership]  # read when iterated (a page may take a slice)


def roster_for(*, club: Club, viewer: User | None) -> Roster | None:
    """What this viewer may see of the member list; None when nothing."""
    rank = Case(When(role=Membership.Role.OWNER, then=0), When(role=Membership.Role.ADMIN, then=1), default=2)
    active = (memberships_active(club_id=club.pk).filter(user__is_active=True)  # deleted accounts left out
              .select_related("user").order_by(rank, "user__username", "pk"))
    if is_club_admin(club_id=club.pk, user=viewer):
        return Roster("admin", active)
    if is_active_member(club_id=club.pk, user=viewer):
        return Roster("member", active)
    if club.member_list_visibility == Club.MemberListVisibility.PUBLIC:
        return Roster("public", active)
    return None


def applications_pending(*, club: Club) -> QuerySet[Membership]:
    return Membership.objects.filter(club=club, state=Membership.State.PENDING).select_related("user", "club")


def invitations_open(*, club: Club) -> QuerySet[Membership]:
    """Invitations not yet answered: the admins see the public name only."""
    return Membership.objects.filter(club=club, state=Membership.State.INVITED).select_related("user")


def members_of(*, club: Club) -> QuerySet[User]:
    """The active members as users (choices of a team entry)."""
    return User.objects.filter(pk__in=memberships_active(club_id=club.pk).values("user_id"))


def club_rides(*, club: Club) -> tuple[list, list]:
    """(upcoming, recent) club events with their confirmed and checked-in counts."""
    rides = Event.objects.filter(club=club).exclude(status=Event.Status.DRAFT).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)),
        attended=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False,
                                                 registrations__status=Registration.Status.CONFIRMED)),
    )
    now = timezone.now()
    upcoming = list(rides.filter(ends_at__gte=now).order_by("starts_at")[:20])
    recent = list(rides.filter(ends_at__lt=now).order_by("-starts_at")[:20])
    return upcoming, recent


def membership_in(*, club: Club, membership_id: int | None) -> Membership:
    """One of the club's memberships (an admin acting on it); 404 otherwise."""
    membership = Membership.objects.filter(pk=membership_id or 0, club=club).first()
    if membership is None:
        raise Http404
    return membership
