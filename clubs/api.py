"""Club API under /api/v1/clubs/, with the same permissions as the pages (others' admin data: 404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from clubs import services
from clubs.models import Membership
from clubs.selectors import club_for_admin, club_get, clubs_public, membership_of, roster_for
from clubs.serializers import (
    AnnouncementInput,
    ClubInput,
    ClubOutput,
    ClubRideInput,
    MemberActionInput,
    MembershipOutput,
    TeamEntryInput,
    roster_row,
)
from cycling.drf import as_drf_error
from events.models import Category, Event
from routes.selectors import routes_visible_to


class ClubListApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ClubOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(ClubOutput(clubs_public(), many=True).data)

    @extend_schema(request=ClubInput, responses={201: ClubOutput})
    def post(self, request: Request) -> Response:
        data = ClubInput(data=request.data)
        data.is_valid(raise_exception=True)
        club = services.club_create(founder=request.user, **data.validated_data)
        return Response(ClubOutput(club).data, status=status.HTTP_201_CREATED)


class ClubDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ClubOutput)
    def get(self, request: Request, slug: str) -> Response:
        club = club_get(slug=slug)
        body = ClubOutput(club).data
        membership = membership_of(club=club, user=request.user)
        body["my_membership"] = MembershipOutput(membership).data if membership else None
        return Response(body)

    @extend_schema(request=ClubInput, responses=ClubOutput)
    def patch(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = ClubInput(club, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            club = services.club_update(club=club, **data.validated_data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(ClubOutput(club).data)


class ClubApplyApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=MembershipOutput)
    def post(self, request: Request, slug: str) -> Response:
        try:
            membership = services.membership_apply(club=club_get(slug=slug), user=request.user,
                                                   message=str(request.data.get("message", ""))[:2000])
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(MembershipOutput(membership).data)


class ClubLeaveApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=MembershipOutput)
    def post(self, request: Request, slug: str) -> Response:
        membership = membership_of(club=club_get(slug=slug), user=request.user)
        if membership is None:
            raise ValidationError({"detail": [translation.gettext("You are not a member of this club.")]})
        try:
            membership = services.membership_leave(membership=membership)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(MembershipOutput(membership).data)


class ClubMembersApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        club = club_get(slug=slug)
        roster = roster_for(club=club, viewer=request.user)
        if roster is None:
            return Response({"level": None, "members": []})
        return Response({"level": roster.level, "members": [roster_row(m, roster.level) for m in roster.memberships]})


class ClubPendingApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MembershipOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        rows = Membership.objects.filter(club=club, state=Membership.State.PENDING).select_related("user", "club")
        return Response(MembershipOutput(rows, many=True).data)


class ClubMemberActionApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=MemberActionInput, responses=MembershipOutput)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        membership = get_object_or_404(Membership, pk=pk, club=club)
        data = MemberActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        try:
            if action in ("approve", "reject"):
                membership = services.membership_decide(membership=membership, approve=action == "approve")
            elif action == "remove":
                membership = services.membership_remove(membership=membership)
            elif action == "role":
                membership = services.membership_set_role(membership=membership,
                                                          role=data.validated_data.get("role", ""))
            else:
                membership = services.membership_set_dues(membership=membership,
                                                          paid_until=data.validated_data.get("paid_until"))
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(MembershipOutput(membership).data)


class ClubAddMemberApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=MembershipOutput)
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        user = User.objects.filter(username=str(request.data.get("username", "")), is_active=True).first()
        if user is None:
            raise ValidationError({"username": [translation.gettext("There is no rider with that username.")]})
        return Response(MembershipOutput(services.membership_add(club=club, user=user)).data)


class ClubAnnouncementApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AnnouncementInput, responses={201: dict})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = AnnouncementInput(data=request.data)
        data.is_valid(raise_exception=True)
        announcement = services.announcement_create(club=club, author=request.user, **data.validated_data)
        return Response({"id": announcement.pk}, status=status.HTTP_201_CREATED)


class ClubRideApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ClubRideInput, responses={201: dict})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = ClubRideInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        route_id = d.pop("route", None)
        version = None
        if route_id:
            route = routes_visible_to(user=request.user).filter(pk=route_id, current_version__isnull=False).first()
            if route is None:
                raise ValidationError({"route": [translation.gettext("No such route.")]})
            version = route.current_version
        try:
            event = services.club_ride_create(club=club, created_by=request.user, route_version=version, **d)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response({"slug": event.slug, "id": event.pk}, status=status.HTTP_201_CREATED)


class ClubTeamEntryApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=TeamEntryInput, responses={201: dict})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = TeamEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = get_object_or_404(Event.objects.exclude(status=Event.Status.DRAFT), slug=data.validated_data["event"])
        category = get_object_or_404(Category, pk=data.validated_data["category"], event=event)
        names = data.validated_data["members"]
        members = list(User.objects.filter(username__in=names))
        if len(members) != len(set(names)):
            raise ValidationError({"members": [translation.gettext("There is no rider with that username.")]})
        try:
            entries = services.team_entry_create(club=club, category=category, members=members)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response({"registrations": [{"id": r.pk, "username": r.rider.username, "bib": r.bib}
                                           for r in entries]}, status=status.HTTP_201_CREATED)
