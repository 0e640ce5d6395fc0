"""Event API: listing, creation and publishing for organizers, registration, cancellation,
category switch, transfer, roster, check-in and results."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from cycling.drf import as_drf_error
from events import services
from events.models import Registration
from events.selectors import (
    EventFilters,
    can_create_events,
    category_for_registration,
    event_for_organizer,
    event_get,
    events_list,
    registration_of_rider,
    results,
    roster,
)
from events.serializers import (
    CheckinInput,
    EventInput,
    EventListOutput,
    EventOutput,
    RegistrationInput,
    RegistrationOutput,
    RosterOutput,
    SwitchInput,
    TransferInput,
)


class EventListApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=EventListOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = EventFilters(kind=request.query_params.get("kind", ""),
                               county=request.query_params.get("county", ""),
                               past=request.query_params.get("past") == "1")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(events_list(filters=filters, user=request.user), request, view=self)
        return paginator.get_paginated_response(EventListOutput(page, many=True).data)

    @extend_schema(request=EventInput, responses={201: EventOutput})
    def post(self, request: Request) -> Response:
        if not can_create_events(request.user):
            raise PermissionDenied
        data = EventInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k not in ("categories", "questions")}
        try:
            event = services.event_create(created_by=request.user, categories=data.category_specs(),
                                          questions=[dict(q) for q in data.validated_data.get("questions", [])],
                                          **fields)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        event = event_get(slug=event.slug, user=request.user)
        return Response(EventOutput(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=EventOutput)
    def get(self, request: Request, slug: str) -> Response:
        return Response(EventOutput(event_get(slug=slug, user=request.user)).data)


class EventPublishApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=EventOutput)
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        try:
            services.event_publish(event=event)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(EventOutput(event_get(slug=slug, user=request.user)).data)


class RegistrationCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=RegistrationInput, responses={201: RegistrationOutput, 200: RegistrationOutput})
    def post(self, request: Request, slug: str) -> Response:
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = category_for_registration(slug=slug, category_id=data.validated_data["category"],
                                             user=request.user)
        if category is None:
            raise ValidationError({"category": [translation.gettext("This event has no such category.")]})
        try:
            registration, created = services.registration_create(
                event=category.event, category=category, rider=request.user, answers=data.validated_data["answers"],
                accept_waiver=data.validated_data["accept_waiver"], language=translation.get_language())
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        registration.event = category.event  # already loaded: the answer needs no more queries
        return Response(RegistrationOutput(registration).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RegistrationDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=RegistrationOutput)
    def get(self, request: Request, pk: int) -> Response:
        registration = registration_of_rider(registration_id=pk, user=request.user)
        return Response(RegistrationOutput(registration).data)


def _own(request: Request, pk: int) -> Registration:
    registration = registration_of_rider(registration_id=pk, user=request.user)
    if registration.rider_id != request.user.pk:
        raise Http404
    return registration


class RegistrationCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=RegistrationOutput)
    def post(self, request: Request, pk: int) -> Response:
        registration = services.registration_cancel(registration=_own(request, pk))
        return Response(RegistrationOutput(registration).data)


class RegistrationSwitchApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=SwitchInput, responses=RegistrationOutput)
    def post(self, request: Request, pk: int) -> Response:
        registration = _own(request, pk)
        data = SwitchInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = registration.event.categories.filter(pk=data.validated_data["category"]).first()
        if category is None:
            raise ValidationError({"category": [translation.gettext("This event has no such category.")]})
        try:
            registration = services.registration_change_category(registration=registration, category=category)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(RegistrationOutput(registration).data)


class RegistrationTransferApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=TransferInput, responses=RegistrationOutput)
    def post(self, request: Request, pk: int) -> Response:
        registration = _own(request, pk)
        data = TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = User.objects.filter(username=data.validated_data["username"], is_active=True).first()
        if target is None:
            raise ValidationError({"username": [translation.gettext("There is no rider with that username.")]})
        try:
            registration = services.registration_transfer(registration=registration, to_rider=target)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(RegistrationOutput(registration).data)


class RosterApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=RosterOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        rows = roster(event=event).prefetch_related("event__questions")
        return Response(RosterOutput(rows, many=True).data)


class CheckinApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CheckinInput, responses=dict)
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        data = CheckinInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.checkin(event=event, code=data.validated_data["code"])
        body = {"outcome": result.outcome, "at": result.at}
        if result.registration:
            body |= {"registration": result.registration.pk, "bib": result.registration.bib}
        return Response(body)


class ResultsApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        event = event_get(slug=slug, user=request.user)
        out = []
        for category, rows in results(event=event).items():
            out.append({"category": category.pk, "name": category.name, "results": [{
                "rank": row.rank, "gender_rank": row.gender_rank, "bib": row.registration.bib,
                "name": row.registration.rider.public_name if row.registration.rider.show_name_publicly else None,
                "result": row.registration.result, "finish_seconds": row.registration.finish_seconds,
            } for row in rows]})
        return Response(out)

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [translation.gettext("Choose a CSV file.")]})
        report = services.results_import(event=event, data=upload.read())
        if report.errors:
            raise ValidationError({"errors": report.errors})
        return Response({"applied": report.applied})
