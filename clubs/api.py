"""Club API under /api/v1/clubs/, with the same permissions as the pages (others' admin data: 404).

Refusals travel as exceptions to core.drf.exception_handler; nothing here catches them."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import rider_by_username, riders_by_username
from clubs import services
from clubs.models import Membership
from clubs.selectors import (
    Roster,
    applications_pending,
    club_for_admin,
    club_get,
    clubs_public,
    membership_of,
    roster_for,
)
from clubs.serializers import (
    AnnouncementInput,
    ApplyInput,
    ClubDetailOutput,
    ClubInput,
    ClubOutput,
    ClubRideCreatedOutput,
    ClubRideInput,
    ClubRosterOutput,
    CreatedOutput,
    InvitationInput,
    MemberActionInput,
    MembershipOutput,
    TeamEntryInput,
    TeamEntryOutput,
)
from core.drf import ERRORS, ErrorOutput
from events.selectors import category_for_registration
from events.services import no_such_category
from routes.selectors import route_version_current


class ClubListApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ClubOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(ClubOutput(clubs_public(), many=True).data)

    @extend_schema(request=ClubInput, responses={201: ClubOutput, 400: ErrorOutput})
    def post(self, request: Request) -> Response:
        data = ClubInput(data=request.data)
        data.is_valid(raise_exception=True)
        club = services.club_create(founder=request.user, **data.validated_data)
        return Response(ClubOutput(club).data, status=status.HTTP_201_CREATED)


class ClubDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses={200: ClubDetailOutput, 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        club = club_get(slug=slug)
        membership = membership_of(club=club, user=request.user)
        return Response(ClubDetailOutput(club, context={"membership": membership}).data)

    @extend_schema(request=ClubInput, responses={200: ClubOutput, **ERRORS})
    def patch(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = ClubInput(club, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(ClubOutput(services.club_update(club=club, **data.validated_data)).data)


class ClubApplyApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ApplyInput, responses={200: MembershipOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        data = ApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_apply(club=club_get(slug=slug), user=request.user,
                                               message=data.validated_data["message"],
                                               share_contact=data.validated_data["share_contact"])
        return Response(MembershipOutput(membership).data)


class ClubLeaveApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: MembershipOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        membership = services.membership_leave_club(club=club_get(slug=slug), user=request.user)
        return Response(MembershipOutput(membership).data)


class ClubMembersApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: ClubRosterOutput, 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        roster = roster_for(club=club_get(slug=slug), viewer=request.user) or Roster(None, [])
        return Response(ClubRosterOutput(roster).data)


class ClubPendingApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: MembershipOutput(many=True), 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        return Response(MembershipOutput(applications_pending(club=club), many=True).data)


class ClubMemberActionApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=MemberActionInput, responses={200: MembershipOutput, **ERRORS})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        membership = get_object_or_404(Membership, pk=pk, club=club)
        data = MemberActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_act(membership=membership, actor=request.user, **data.validated_data)
        return Response(MembershipOutput(membership).data)


class ClubAddMemberApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: MembershipOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        user = rider_by_username(username=str(request.data.get("username", "")))
        return Response(MembershipOutput(services.membership_invite(club=club, user=user)).data)


class ClubInvitationApi(APIView):
    """The invited rider answers: {"accept": true} joins, {"accept": false} declines."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=InvitationInput, responses={200: MembershipOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_invitation_answer(club=club_get(slug=slug), user=request.user,
                                                           accept=data.validated_data["accept"],
                                                           share_contact=data.validated_data["share_contact"])
        return Response(MembershipOutput(membership).data)


class ClubAnnouncementApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AnnouncementInput, responses={201: CreatedOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = AnnouncementInput(data=request.data)
        data.is_valid(raise_exception=True)
        announcement = services.announcement_create(club=club, author=request.user, **data.validated_data)
        return Response(CreatedOutput(announcement).data, status=status.HTTP_201_CREATED)


class ClubRideApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ClubRideInput, responses={201: ClubRideCreatedOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = ClubRideInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = route_version_current(route_id=fields.pop("route", None), user=request.user)
        event = services.club_ride_create(club=club, created_by=request.user, route_version=version, **fields)
        return Response(ClubRideCreatedOutput(event).data, status=status.HTTP_201_CREATED)


class ClubTeamEntryApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=TeamEntryInput, responses={201: TeamEntryOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        club = club_for_admin(slug=slug, user=request.user)
        data = TeamEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = category_for_registration(slug=data.validated_data["event"],
                                             category_id=data.validated_data["category"], user=request.user)
        if category is None:
            raise no_such_category()
        members = riders_by_username(usernames=data.validated_data["members"], field="members")
        entries = services.team_entry_create(club=club, category=category, members=members)
        return Response(TeamEntryOutput({"registrations": entries}).data, status=status.HTTP_201_CREATED)

