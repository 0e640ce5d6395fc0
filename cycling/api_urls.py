"""/api/v1/: every app's API views under one versioned prefix."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.api import ProfileMeApi, RiderPublicApi, TokenApi
from clubs import api as clubs_api
from events import api as events_api
from industry import api as industry_api
from payments import api as payments_api
from routes.api import (
    RideDetailApi,
    RideListApi,
    RouteDetailApi,
    RouteListApi,
    RouteVersionDetailApi,
    RouteVersionListApi,
)
from timing import api as timing_api


@extend_schema(exclude=True)  # an index of links, described by the schema itself
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request) -> Response:
    """Index of the API; the full description is at /api/schema/ and /api/docs/."""
    return Response(
        {
            "me": reverse("api:me", request=request),
            "routes": reverse("api:routes", request=request),
            "events": reverse("api:events", request=request),
            "clubs": reverse("api:clubs", request=request),
            "insights": reverse("api:insights-summary", request=request),
            "auth_token": reverse("api:auth-token", request=request),
            "schema": reverse("api-schema", request=request),
            "docs": reverse("api-docs", request=request),
        }
    )


app_name = "api"

urlpatterns = [
    path("", api_root, name="root"),
    # the sign-up near the top: a rush sends thousands a minute, and the resolver tries the patterns
    # in order (no two of them match the same path, so the order changes nothing else)
    path("events/<str:slug>/registrations/", events_api.RegistrationCreateApi.as_view(), name="event-register"),
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("orders/", payments_api.OrderListApi.as_view(), name="orders"),
    path("orders/together/", payments_api.OrderPayTogetherApi.as_view(), name="orders-together"),
    path("orders/<int:pk>/", payments_api.OrderDetailApi.as_view(), name="order"),
    path("orders/<int:pk>/dev-pay/", payments_api.OrderDevPayApi.as_view(), name="order-dev-pay"),
    path("me/", ProfileMeApi.as_view(), name="me"),
    path("riders/<str:username>/", RiderPublicApi.as_view(), name="rider"),
    path("clubs/", clubs_api.ClubListApi.as_view(), name="clubs"),
    path("clubs/<str:slug>/", clubs_api.ClubDetailApi.as_view(), name="club"),
    path("clubs/<str:slug>/apply/", clubs_api.ClubApplyApi.as_view(), name="club-apply"),
    path("clubs/<str:slug>/leave/", clubs_api.ClubLeaveApi.as_view(), name="club-leave"),
    path("clubs/<str:slug>/invitation/", clubs_api.ClubInvitationApi.as_view(), name="club-invitation"),
    path("clubs/<str:slug>/members/", clubs_api.ClubMembersApi.as_view(), name="club-members"),
    path("clubs/<str:slug>/members/add/", clubs_api.ClubAddMemberApi.as_view(), name="club-member-add"),
    path("clubs/<str:slug>/members/<int:pk>/", clubs_api.ClubMemberActionApi.as_view(), name="club-member"),
    path("clubs/<str:slug>/applications/", clubs_api.ClubPendingApi.as_view(), name="club-applications"),
    path("clubs/<str:slug>/announcements/", clubs_api.ClubAnnouncementApi.as_view(), name="club-announcements"),
    path("clubs/<str:slug>/rides/", clubs_api.ClubRideApi.as_view(), name="club-rides"),
    path("clubs/<str:slug>/team-entries/", clubs_api.ClubTeamEntryApi.as_view(), name="club-team-entries"),
    path("events/", events_api.EventListApi.as_view(), name="events"),
    path("events/<str:slug>/", events_api.EventDetailApi.as_view(), name="event"),
    path("events/<str:slug>/publish/", events_api.EventPublishApi.as_view(), name="event-publish"),
    path("events/<str:slug>/family-registrations/", events_api.FamilyRegistrationApi.as_view(),
         name="event-register-family"),
    path("events/<str:slug>/roster/", events_api.RosterApi.as_view(), name="event-roster"),
    path("events/<str:slug>/checkin/", events_api.CheckinApi.as_view(), name="event-checkin"),
    path("events/<str:slug>/checkins/sync/", events_api.CheckinSyncApi.as_view(), name="event-checkins-sync"),
    path("events/<str:slug>/chips/", events_api.ChipsImportApi.as_view(), name="event-chips"),
    path("events/<str:slug>/checkins/start-list/", events_api.CheckinStartListApi.as_view(),
         name="event-checkins-start-list"),
    path("events/<str:slug>/results/", events_api.ResultsApi.as_view(), name="event-results"),
    path("events/<str:slug>/passings/", timing_api.PassingsApi.as_view(), name="event-passings"),
    path("events/<str:slug>/live-results/", timing_api.LiveResultsApi.as_view(), name="event-live-results"),
    path("registrations/<int:pk>/", events_api.RegistrationDetailApi.as_view(), name="registration"),
    path("registrations/<int:pk>/positions/", timing_api.PositionsApi.as_view(), name="registration-positions"),
    path("registrations/<int:pk>/sos/", timing_api.SosApi.as_view(), name="registration-sos"),
    path("registrations/<int:pk>/cancel/", events_api.RegistrationCancelApi.as_view(), name="registration-cancel"),
    path("registrations/<int:pk>/switch/", events_api.RegistrationSwitchApi.as_view(), name="registration-switch"),
    path("transfers/<int:pk>/accept/", events_api.TransferAcceptApi.as_view(), name="transfer-accept"),
    path("transfers/<int:pk>/decline/", events_api.TransferDeclineApi.as_view(), name="transfer-decline"),
    path("registrations/<int:pk>/transfer/", events_api.RegistrationTransferApi.as_view(),
         name="registration-transfer"),
    path("insights/summary/", industry_api.SummaryApi.as_view(), name="insights-summary"),
    path("insights/monthly/", industry_api.MonthlyApi.as_view(), name="insights-monthly"),
    path("insights/events/<str:slug>/", industry_api.EventStatsApi.as_view(), name="insights-event"),
    path("insights/sales/", industry_api.SalesApi.as_view(), name="insights-sales"),
    path("insights/sales/imports/<int:pk>/", industry_api.SalesImportApi.as_view(), name="insights-sales-import"),
    path("insights/linkage/", industry_api.LinkageApi.as_view(), name="insights-linkage"),
    path("rides/", RideListApi.as_view(), name="rides"),
    path("rides/<int:pk>/", RideDetailApi.as_view(), name="ride"),
    path("routes/", RouteListApi.as_view(), name="routes"),
    path("routes/<str:slug>/", RouteDetailApi.as_view(), name="route"),
    path("routes/<str:slug>/versions/", RouteVersionListApi.as_view(), name="route-versions"),
    path("routes/<str:slug>/versions/<int:number>/", RouteVersionDetailApi.as_view(), name="route-version"),
]
