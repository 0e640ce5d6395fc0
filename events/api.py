"""Event API: listing, creation and publishing for organizers, registration, cancellation,
category switch, transfer, roster, check-in and results.

Refusals travel as exceptions to core.drf.exception_handler; nothing here catches them."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import rider_by_username
from core.drf import (
    ERRORS,
    ErrorOutput,
    ImportOutput,
    json_data,
    json_stream_response,
    paged_headers,
    paginated,
    upload_read,
)
from core.querysets import grouped_page
from events import payments_port, services
from events.models import Registration, TransferOffer
from events.selectors import (
    RESULTS_PAGE,
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
from events.selectors.raceday import device_start_list, event_for_checkin, parse_cursor
from events.serializers import (
    CheckinInput,
    CheckinOutput,
    CheckinSyncInput,
    CheckinSyncOutput,
    DeviceListOutput,
    EventInput,
    EventListOutput,
    EventOutput,
    FamilyRegistrationInput,
    PaymentRequiredOutput,
    RegistrationInput,
    RegistrationOutput,
    ResultsCategoryOutput,
    RosterOutput,
    SwitchInput,
    TransferAcceptInput,
    TransferInput,
    TransferOfferOutput,
    device_entries,
    registration_input,
    registration_output,
)
from events.services import no_such_category


class EventListApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(operation_id="v1_events_list", responses={200: paginated(EventListOutput), **ERRORS})
    def get(self, request: Request) -> Response:
        filters = EventFilters(kind=request.query_params.get("kind", ""),
                               county=request.query_params.get("county", ""),
                               past=request.query_params.get("past") == "1")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(events_list(filters=filters, user=request.user), request, view=self)
        return paginator.get_paginated_response(EventListOutput(page, many=True).data)

    @extend_schema(request=EventInput, responses={201: EventOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        if not can_create_events(request.user):
            raise PermissionDenied
        data = EventInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k not in ("categories", "questions")}
        event = services.event_create(created_by=request.user, categories=data.category_specs(),
                                      questions=[dict(q) for q in data.validated_data.get("questions", [])],
                                      **fields)
        event = event_get(slug=event.slug, user=request.user)
        return Response(EventOutput(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: EventOutput, 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        return Response(EventOutput(event_get(slug=slug, user=request.user)).data)


class EventPublishApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: EventOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        services.event_publish(event=event_for_organizer(slug=slug, user=request.user))
        return Response(EventOutput(event_get(slug=slug, user=request.user)).data)


class FamilyRegistrationApi(APIView):
    """Register companions (family, friends; a child under 18 with the guardian's consent) with or
    without yourself: every seat or none."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=FamilyRegistrationInput, responses={201: RegistrationOutput(many=True), **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        data = FamilyRegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        category = category_for_registration(slug=slug, category_id=values["category"], user=request.user)
        if category is None:
            raise no_such_category()
        made = services.registrations_create_family(
            category=category, adult=request.user, companions=values["companions"], adult_rides=values["adult_rides"],
            adult_answers=values["answers"], accept_waiver=values["accept_waiver"],
            guardian_consent=values["guardian_consent"], id_consent=values["id_consent"],
            friend_usernames=values["friends"])
        return Response(RegistrationOutput(made, many=True).data, status=status.HTTP_201_CREATED)


class RegistrationCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=RegistrationInput, responses={201: RegistrationOutput, 200: RegistrationOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        values = registration_input(json_data(request))
        category = category_for_registration(slug=slug, category_id=values["category"], user=request.user)
        if category is None:
            raise no_such_category()
        registration, created = services.registration_create(
            event=category.event, category=category, rider=request.user, answers=values["answers"],
            accept_waiver=values["accept_waiver"], language=translation.get_language(),
            id_consent=values["id_consent"], fill_profile=values["fill_profile"], code=values["code"],
            coupon=values["coupon"], addons=values["addons"], insurance=values["insurance"])
        registration.event = category.event  # already loaded: the answer needs no more queries
        return Response(registration_output(registration),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RegistrationDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: RegistrationOutput, 404: ErrorOutput})
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

    @extend_schema(request=None, responses={200: RegistrationOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        registration = services.registration_cancel(registration=_own(request, pk))
        return Response(RegistrationOutput(registration).data)


class RegistrationSwitchApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=SwitchInput, responses={200: RegistrationOutput, 402: PaymentRequiredOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        registration = _own(request, pk)
        data = SwitchInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = registration.event.categories.filter(pk=data.validated_data["category"]).first()
        if category is None:
            raise no_such_category()
        registration, pay_url = services.registration_switch(registration=registration, category=category)
        if pay_url:  # a dearer category: the switch happens once the difference is paid
            return Response({"detail": _("The new category costs more: pay the difference and the switch is made."),
                             "code": "payment_required", "pay_url": pay_url}, status=402)
        return Response(RegistrationOutput(registration).data)


class RegistrationTransferApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=TransferInput, responses={202: TransferOfferOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Offer the seat to another rider; it moves when they accept (POST /transfers/<id>/accept/)."""
        registration = _own(request, pk)
        data = TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = rider_by_username(username=data.validated_data["username"])
        offer = services.registration_transfer(registration=registration, to_rider=target)
        return Response(TransferOfferOutput(offer).data, status=status.HTTP_202_ACCEPTED)


class TransferAcceptApi(APIView):
    """The recipient accepts a seat offered to them, with their own answers."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=TransferAcceptInput, responses={200: RegistrationOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        offer = get_object_or_404(TransferOffer, pk=pk, to_rider=request.user)
        data = TransferAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.transfer_accept(offer=offer, rider=request.user, **data.validated_data)
        return Response(RegistrationOutput(registration).data)


class TransferDeclineApi(APIView):
    """The recipient declines, or the sender withdraws, an offer."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: TransferOfferOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        offer = TransferOffer.objects.filter(pk=pk).filter(
            Q(to_rider=request.user) | Q(from_rider=request.user)).first()
        if offer is None:
            raise Http404
        return Response(TransferOfferOutput(services.transfer_decline(offer=offer, rider=request.user)).data)


class RosterPagination(PageNumberPagination):
    """A race's roster a page at a time (issue 27: 5,000 rows were one 2.86 MB answer)."""

    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


class RosterApi(APIView):
    """The event's roster, paginated; the queries per page do not grow with its rows."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses={200: paginated(RosterOutput), 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        paginator = RosterPagination()
        page = paginator.paginate_queryset(roster(event=event).prefetch_related("event__questions"), request,
                                           view=self) or []
        awaiting = [r.pk for r in page if r.status == Registration.Status.AWAITING]
        owed = payments_port.seat_money.pending_many(registration_ids=awaiting) if awaiting else {}
        return paginator.get_paginated_response(RosterOutput(page, many=True, context={"owed": owed}).data)


class CheckinApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CheckinInput, responses={200: CheckinOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_checkin(slug=slug, user=request.user)
        data = CheckinInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CheckinOutput(services.checkin(event=event, code=data.validated_data["code"])).data)


class CheckinSyncApi(APIView):
    """A check-in device's batch of actions taken offline (docs/raceday.md): each answered on its own.
    The event's organizers and its check-in helpers."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CheckinSyncInput, responses={200: CheckinSyncOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_checkin(slug=slug, user=request.user)
        data = CheckinSyncInput(data=request.data)
        data.is_valid(raise_exception=True)
        answers = services.checkins_sync(event=event, by=request.user,
                                         scans=[services.Scan(**scan) for scan in data.validated_data["scans"]])
        return Response(CheckinSyncOutput({"results": answers, "server_time": timezone.now()}).data)


class CheckinStartListApi(APIView):
    """What a check-in device keeps with no signal: the entries, then what changed since its last pull."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("since", str, required=False, description=(
        "The cursor of the device's last list: only the entries whose status moved or that were scanned "
        "after it."))], responses={200: DeviceListOutput, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        event = event_for_checkin(slug=slug, user=request.user)
        since = request.query_params.get("since")
        cursor = parse_cursor(since) if since else None
        if since and cursor is None:
            raise ValidationError({"since": [_("Give back the cursor of your last list.")]})
        listing = device_start_list(event=event, since=cursor)  # streamed: 5,000 riders are 2 MB of JSON
        return json_stream_response({"cursor": listing.cursor, "full": listing.full}, "entries",
                                    device_entries(listing))


class ChipsImportApi(APIView):
    """The timing company's CSV of bib and chip tag (a header, then `bib,tag` rows): every row or none."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={200: ImportOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        report = services.chips_import(event=event, data=upload_read(request))
        report.raise_for_errors()
        return Response(ImportOutput(report).data)


class ResultsApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(parameters=[OpenApiParameter("page", int, required=False, description=(
        f"{RESULTS_PAGE} rows a page, in order across the categories; the answer's Link header names the "
        "next and previous pages (rel=\"next\", rel=\"prev\"), X-Total-Count the rows on every page"))],
        responses={200: ResultsCategoryOutput(many=True), 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        event = event_get(slug=slug, user=request.user)
        page, shown = grouped_page(results(event=event), request.query_params.get("page"), RESULTS_PAGE)
        answer = Response(ResultsCategoryOutput([{"category": category, "rows": rows}
                                                 for category, rows in shown.items()], many=True).data)
        return paged_headers(answer, request, page)

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={200: ImportOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_organizer(slug=slug, user=request.user)
        report = services.results_import(event=event, data=upload_read(request))
        report.raise_for_errors()
        return Response(ImportOutput(report).data)
