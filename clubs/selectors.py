"""Reads of clubs: memberships, who may see what, rosters, club rides."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from clubs.models import Club, Membership


def clubs_public() -> QuerySet[Club]:
    return Club.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__state=Membership.State.ACTIVE))).order_by("name")


def club_get(*, slug: str) -> Club:
    club = Club.objects.filter(slug=slug).first()
    if club is None:
        raise Http404
    return club


def membership_of(*, club: Club, user: User | None) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(club=club, user=user).first()


def club_ids_of_member(*, user) -> list[int]:
    """Ids of the clubs where the user is an active member (routes with visibility "club")."""
    if user is None or not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values_list("club_id", flat=True))


def is_club_admin(*, club: Club, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.filter(club=club, user=user, state=Membership.State.ACTIVE,
                                     role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]).exists()


def is_active_member(*, club: Club, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(club=club, user=user, state=Membership.State.ACTIVE).exists()


def club_for_admin(*, slug: str, user: User | None) -> Club:
    """The club when the user administers it; 404 for everyone else (never 403)."""
    club = club_get(slug=slug)
    if not is_club_admin(club=club, user=user):
        raise Http404
    return club


@dataclass
class Roster:
    level: str  # "admin" (contact, emergency, dues), "member" (names and roles), "public" (names)
    memberships: list[Membership]


def roster_for(*, club: Club, viewer: User | None) -> Roster | None:
    """What this viewer may see of the member list; None when nothing."""
    rank = Case(When(role=Membership.Role.OWNER, then=0), When(role=Membership.Role.ADMIN, then=1), default=2)
    active = list(Membership.objects.filter(club=club, state=Membership.State.ACTIVE).select_related("user")
                  .order_by(rank, "user__username"))
    if is_club_admin(club=club, user=viewer):
        return Roster("admin", active)
    if is_active_member(club=club, user=viewer):
        return Roster("member", active)
    if club.member_list_visibility == Club.MemberListVisibility.PUBLIC:
        return Roster("public", active)
    return None


def applications_pending(*, club: Club) -> QuerySet[Membership]:
    return Membership.objects.filter(club=club, state=Membership.State.PENDING).select_related("user")


def club_rides(*, club: Club) -> tuple[list, list]:
    """(upcoming, recent) club events with their confirmed and checked-in counts."""
    from events.models import Event, Registration

    rides = Event.objects.filter(club=club).exclude(status=Event.Status.DRAFT).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)),
        attended=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False,
                                                 registrations__status=Registration.Status.CONFIRMED)),
    )
    now = timezone.now()
    upcoming = list(rides.filter(ends_at__gte=now).order_by("starts_at")[:20])
    recent = list(rides.filter(ends_at__lt=now).order_by("-starts_at")[:20])
    return upcoming, recent


def clubs_administered_by(*, user: User | None) -> list[Club]:
    if user is None or not user.is_authenticated:
        return []
    return [m.club for m in Membership.objects.filter(
        user=user, state=Membership.State.ACTIVE,
        role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]).select_related("club")]
