"""Route API: list and search, detail, upload (new route or new version), version status; rides."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core.drf import ErrorOutput, paginated
from routes.models import RouteVersion
from routes.permissions import can_upload_routes
from routes.selectors import ride_get, rides_of, route_editable_by, route_get, route_search, route_version_get
from routes.serializers import (
    RideOutput,
    RideUploadInput,
    RouteDetailOutput,
    RouteEditInput,
    RouteListOutput,
    RouteSearchInput,
    RouteUploadInput,
    VersionStatsOutput,
    VersionUploadInput,
)
from routes.services import gpx_refusal, gpx_upload_read, ride_upload, route_import, route_update


class RoutePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _upload_answer(request: Request, version: RouteVersion) -> Response:
    url = reverse("api:route-version", args=[version.route.slug, version.number], request=request)
    if version.status == RouteVersion.Status.PENDING:
        return Response({"id": version.route_id, "slug": version.route.slug, "version": version.number,
                         "status": version.status, "status_url": url}, status=status.HTTP_202_ACCEPTED)
    body = RouteDetailOutput(version.route, context={"request": request}).data
    return Response({**body, "status_url": url}, status=status.HTTP_201_CREATED)


class RouteListApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(operation_id="v1_routes_list", parameters=[RouteSearchInput],
                   responses={200: paginated(RouteListOutput), 400: ErrorOutput})
    def get(self, request: Request) -> Response:
        search = RouteSearchInput(data=request.query_params)
        search.is_valid(raise_exception=True)
        routes = route_search(filters=search.to_filters(), user=request.user)
        paginator = RoutePagination()
        page = paginator.paginate_queryset(routes, request, view=self)
        return paginator.get_paginated_response(RouteListOutput(page, many=True, context={"request": request}).data)

    @extend_schema(request=RouteUploadInput, responses={201: RouteDetailOutput, 202: VersionStatsOutput})
    def post(self, request: Request) -> Response:
        if not can_upload_routes(request.user):
            raise PermissionDenied
        upload = RouteUploadInput(data=request.data)
        upload.is_valid(raise_exception=True)
        d = upload.validated_data
        version = route_import(
            owner=request.user, data=gpx_upload_read(d["gpx"]), filename=d["gpx"].name, name=d["name"],
            name_en=d.get("name_en", ""), description=d.get("description", ""), category=d["category"],
            visibility=d["visibility"], publish=d["publish"],
        )
        return _upload_answer(request, version)


class RouteDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=RouteDetailOutput)
    def get(self, request: Request, slug: str) -> Response:
        route = route_get(slug=slug, user=request.user)
        return Response(RouteDetailOutput(route, context={"request": request}).data)

    @extend_schema(request=RouteEditInput, responses=RouteDetailOutput)
    def patch(self, request: Request, slug: str) -> Response:
        route = route_get(slug=slug, user=request.user)
        if not route_editable_by(route=route, user=request.user):
            raise PermissionDenied
        edit = RouteEditInput(route, data=request.data, partial=True)
        edit.is_valid(raise_exception=True)
        data = dict(edit.validated_data)
        tags = data.pop("tags", None)
        route_update(route=route, tags=tags, **data)
        return Response(RouteDetailOutput(route, context={"request": request}).data)


class RouteVersionListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=VersionUploadInput, responses={201: RouteDetailOutput, 202: VersionStatsOutput})
    def post(self, request: Request, slug: str) -> Response:
        route = route_get(slug=slug, user=request.user)
        if not route_editable_by(route=route, user=request.user):
            raise PermissionDenied
        upload = VersionUploadInput(data=request.data)
        upload.is_valid(raise_exception=True)
        version = route_import(owner=request.user, route=route, data=gpx_upload_read(upload.validated_data["gpx"]),
                               filename=upload.validated_data["gpx"].name)
        return _upload_answer(request, version)


class RouteVersionDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=VersionStatsOutput)
    def get(self, request: Request, slug: str, number: int) -> Response:
        version = route_version_get(route=route_get(slug=slug, user=request.user), number=number)
        return Response(VersionStatsOutput(version).data)


class RideListApi(APIView):
    """The rider's own rides; POST uploads one (FIT, GPX or TCX) and answers with its route matches."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="v1_rides_list", responses=paginated(RideOutput))
    def get(self, request: Request) -> Response:
        paginator = RoutePagination()
        page = paginator.paginate_queryset(rides_of(rider=request.user), request, view=self)
        return paginator.get_paginated_response(RideOutput(page, many=True).data)

    @extend_schema(request=RideUploadInput, responses={201: RideOutput, 202: RideOutput, 400: ErrorOutput},
                   description="A small file is measured and matched at once (201). A larger one is stored "
                               "and measured by a worker (202, status pending): poll the ride at its Location.")
    def post(self, request: Request) -> Response:
        upload = RideUploadInput(data=request.data)
        upload.is_valid(raise_exception=True)
        ride = ride_upload(rider=request.user, data=gpx_upload_read(upload.validated_data["file"]),
                           filename=upload.validated_data["file"].name)
        ride = ride_get(pk=ride.pk, rider=request.user)  # a worker in eager mode may have measured it already
        if ride.status == ride.Status.FAILED:  # refused by that worker: the same answer as a refusal in the request
            raise gpx_refusal(ride.error_code, ride.error_params)
        pending = ride.status == ride.Status.PENDING
        return Response(RideOutput(ride).data, status=status.HTTP_202_ACCEPTED if pending else status.HTTP_201_CREATED,
                        headers={"Location": reverse("api:ride", args=[ride.pk], request=request)})


class RideDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=RideOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(RideOutput(ride_get(pk=pk, rider=request.user)).data)
