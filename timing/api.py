"""The timing API: a decoder's or forwarder's batches of passings (and where it resumes), and the live
results. Refusals travel as exceptions to core.drf.exception_handler."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.drf import ERRORS, ErrorOutput
from events.selectors import event_get
from events.selectors.raceday import event_for_checkin
from timing import formats, selectors, services
from timing.models import Passing
from timing.serializers import (
    FixInput,
    LiveResultsOutput,
    PassingsInput,
    PassingsOutput,
    PositionsInput,
    PositionsOutput,
    ResumeOutput,
    SosOutput,
)


def _reads(passings: list[dict]) -> list[formats.Read]:
    reads = []
    for line, item in enumerate(passings, start=1):
        moment: dt.datetime = item["time"]
        number = item.get("number")
        code = item["code"].strip()
        key = str(number) if number is not None else f"{item['point']}:{code}@{moment.isoformat()}"
        reads.append(formats.Read(line, code, moment.timetz().replace(tzinfo=None), moment.date(), item["point"], "",
                                  key, number, zone=moment.tzinfo))
    return reads


class PassingsApi(APIView):
    """A timing device's batch of passings (organizers and the event's helpers, with their API token).
    Each passing is known by its device and passing number (or its chip, point and time), so a batch
    sent again changes nothing; GET says where a device resumes."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PassingsInput, responses={200: PassingsOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        event = event_for_checkin(slug=slug, user=request.user)
        data = PassingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch = data.validated_data
        if batch.get("lines"):
            reads = formats.read(batch["format"], batch["lines"])
            source = batch["format"]
        else:
            reads, source = _reads(batch["passings"]), Passing.Source.API
        report = services.passings_ingest(event=event, reads=reads, source=source, device=batch["device"],
                                          point=batch["point"])
        return Response(PassingsOutput({**report.__dict__, "duplicates": report.duplicates}).data)

    @extend_schema(parameters=[OpenApiParameter("device", str, required=True)],
                   responses={200: ResumeOutput, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        event = event_for_checkin(slug=slug, user=request.user)
        device = request.query_params.get("device", "")[:40]
        return Response(ResumeOutput({"device": device, **selectors.device_of(event=event, device=device)}).data)


class LiveResultsApi(APIView):
    """The results as the passings give them now (a page polls it while the race runs)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("q", str, required=False, description="a bib or a shown name"),
                               OpenApiParameter("page", int, required=False, description=(
                                   f"{selectors.LIVE_PAGE} rows a page, in order across the categories"))],
                   responses={200: LiveResultsOutput, 404: ErrorOutput})
    def get(self, request: Request, slug: str) -> Response:
        event = event_get(slug=slug, user=request.user)
        page, groups = selectors.live_results_page(event=event, query=request.query_params.get("q", ""),
                                                   number=request.query_params.get("page"),
                                                   per_page=selectors.LIVE_PAGE)
        return Response(LiveResultsOutput({
            "changed_at": selectors.changed_at(event=event), "count": page.paginator.count, "page": page.number,
            "pages": page.paginator.num_pages,
            "categories": [{"category": category, "rows": rows} for category, rows in groups.items()]}).data)


class PositionsApi(APIView):
    """The positions a rider's phone kept (sent again after a lost link: each kept once). The rider's
    own registration, at an event that takes positions, once they chose to share."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PositionsInput, responses={200: PositionsOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        registration = selectors.own_registration(registration_id=pk, user=request.user)
        data = PositionsInput(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.positions_record(registration=registration,
                                        fixes=[services.Fix(**f) for f in data.validated_data["positions"]])
        return Response(PositionsOutput({"new": new}).data)


class SosApi(APIView):
    """The SOS button: the place goes on the organizers' live page and by SMS to the emergency phone."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=FixInput, responses={200: SosOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        registration = selectors.own_registration(registration_id=pk, user=request.user)
        data = FixInput(data=request.data)
        data.is_valid(raise_exception=True)
        position = services.sos_send(registration=registration, fix=services.Fix(**data.validated_data))
        timing = selectors.timing_for(event=registration.event)
        return Response(SosOutput({"received_at": position.received_at,
                                   "texted": bool(timing and timing.emergency_phone)}).data)
