"""Insights API under /api/v1/insights/: the public summary, and for analysts and brand staff the
monthly figures, event statistics, sales and the linkage report. Aggregates only."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.drf import ERRORS, ErrorOutput, ImportOutput, upload_file
from core.errors import ServiceError
from events.models import Event
from industry import selectors
from industry.models import SalesImport
from industry.sales import sales_import, sales_import_start
from industry.serializers import (
    BrandSalesOutput,
    EventStatOutput,
    LinkageInput,
    LinkageOutput,
    LinkagePendingOutput,
    MonthlyOutput,
    SalesImportOutput,
    SummaryOutput,
)
from industry.services import linkage_prepare


def _insider(request: Request) -> None:
    if not selectors.may_see_insights(request.user):
        raise Http404


class SummaryApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=SummaryOutput)
    def get(self, request: Request) -> Response:
        summary = selectors.public_summary()

        def count(value: int | None) -> int | None:  # hidden, small or protecting another: null
            return None if value == selectors.PROTECTING else value

        data = {**summary, "suppressed_below": selectors.SUPPRESS_BELOW, "last_computed": selectors.last_computed(),
                "monthly": [{**m, "participants": count(m["participants"]),
                             "first_time_riders": count(m["first_time_riders"])} for m in summary["monthly"]],
                **{d: [(b, count(n)) for b, n in summary[d]] for d in ("locality", "gender", "age_band",
                                                                          "brand_origin")}}
        return Response(SummaryOutput(data).data)


class MonthlyApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: MonthlyOutput(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        _insider(request)
        return Response(MonthlyOutput(selectors.monthly(), many=True).data)


class EventStatsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: EventStatOutput(many=True), **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        _insider(request)
        event = get_object_or_404(Event, slug=slug)
        return Response(EventStatOutput(selectors.event_rows(event=event), many=True).data)


class SalesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: BrandSalesOutput(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        _insider(request)
        brands = list(selectors.visible_brands(request.user))
        sales = selectors.sales_by_month(brands=brands)
        rows = [{"brand": b, "months": {m.strftime("%Y-%m"): u for m, u in sorted(sales.get(b.pk, {}).items())}}
                for b in brands]
        return Response(BrandSalesOutput(rows, many=True).data)

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}},
        responses={201: ImportOutput, 202: SalesImportOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        if not selectors.is_analyst(request.user):
            raise Http404
        upload = upload_file(request)
        if upload.size > settings.SALES_ASYNC_BYTES:  # in the background: 202 and where to follow it
            job = sales_import_start(upload=upload, user=request.user, language=get_language())
            return Response(SalesImportOutput(job).data, status=status.HTTP_202_ACCEPTED)
        report = sales_import(data=upload)
        report.raise_for_errors()
        return Response(ImportOutput(report).data, status=status.HTTP_201_CREATED)


class SalesImportApi(APIView):
    """A background sales import: its status, rows read so far, rows applied, every problem."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: SalesImportOutput, 404: ErrorOutput})
    def get(self, request: Request, pk: int) -> Response:
        if not selectors.is_analyst(request.user):
            raise Http404
        return Response(SalesImportOutput(get_object_or_404(SalesImport, pk=pk)).data)


class LinkageApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[LinkageInput], responses={200: LinkageOutput, 202: LinkagePendingOutput, **ERRORS},
                   description="A report with more analyses than a request computes answers 202 while a worker "
                               "computes it: ask again after Retry-After seconds.")
    def get(self, request: Request) -> Response:
        _insider(request)
        data = LinkageInput(data={"event": request.query_params.getlist("event"),
                                  "months": request.query_params.get("months", 6)})
        data.is_valid(raise_exception=True)
        events = selectors.events_filter(data.validated_data["event"])
        if not events:
            raise ServiceError(_("Choose at least one event."), "no_event", field="event")
        try:
            report = selectors.linkage(events=events, months=data.validated_data["months"], viewer=request.user,
                                       budget=selectors.ANALYSES_IN_A_REQUEST)
        except selectors.ReportNotReady:  # a worker computes it: ask again in a few seconds
            linkage_prepare(events=events, months=data.validated_data["months"], viewer=request.user,
                            channel="all", brand=None)
            return Response({"status": "computing", "retry_after": 3}, status=status.HTTP_202_ACCEPTED,
                            headers={"Retry-After": "3"})
        return Response(LinkageOutput(report).data)
