"""Insights API under /api/v1/insights/: the public summary, and for analysts and brand staff the
monthly figures, event statistics, sales and the linkage report. Aggregates only."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Event
from industry import selectors
from industry.sales import sales_import


def _insider(request: Request) -> None:
    if not selectors.may_see_insights(request.user):
        raise Http404


class SummaryApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        data = selectors.public_summary()
        return Response({**data, "suppressed_below": selectors.SUPPRESS_BELOW,
                         "last_computed": selectors.last_computed()})


class MonthlyApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        _insider(request)
        return Response([{"month": m.month, "participants": m.participants, "events": m.events,
                          "unique_riders": m.unique_riders, "first_time_riders": m.first_time_riders}
                         for m in selectors.monthly()])


class EventStatsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        _insider(request)
        event = get_object_or_404(Event, slug=slug)
        return Response([{"category": r.category_id, "dimension": r.dimension, "bucket": r.bucket,
                          "registered": r.registered, "confirmed": r.confirmed, "waitlisted": r.waitlisted,
                          "cancelled": r.cancelled, "checked_in": r.checked_in, "finished": r.finished}
                         for r in selectors.event_rows(event=event)])


class SalesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        _insider(request)
        brands = list(selectors.visible_brands(request.user))
        sales = selectors.sales_by_month(brands=brands)
        return Response([{"brand": b.slug, "months": {m.strftime("%Y-%m"): u for m, u in sorted(
            sales.get(b.pk, {}).items())}} for b in brands])

    @extend_schema(request=None, responses={201: dict})
    def post(self, request: Request) -> Response:
        if not selectors.is_analyst(request.user):
            raise Http404
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [translation.gettext("Choose a CSV file.")]})
        report = sales_import(data=upload.read())
        if report.errors:
            raise ValidationError({"errors": report.errors})
        return Response({"applied": report.applied}, status=status.HTTP_201_CREATED)


class LinkageApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        _insider(request)
        events = selectors.events_filter(request.query_params.getlist("event"))
        if not events:
            raise ValidationError({"event": [translation.gettext("Choose at least one event.")]})
        try:
            months = int(request.query_params.get("months", 6))
        except ValueError as exc:
            raise ValidationError({"months": [translation.gettext("Enter a number.")]}) from exc
        if not 1 <= months <= 24:
            raise ValidationError({"months": [translation.gettext("Choose between 1 and 24 months.")]})
        report = selectors.linkage(events=events, months=months, viewer=request.user)
        return Response({
            "event_month": report.event_month, "months": months, "participants": report.participants,
            "brands": [{
                "brand": r.brand.slug, "tier": r.tier, "units_before": r.window.before, "units_after": r.window.after,
                "months_before": r.window.months_before, "months_after": r.window.months_after,
                "change_percent": None if r.thin else r.window.change,
                "baseline_change_percent": None if r.thin else r.baseline.change,
                "baseline_brands": r.baseline_brands, "difference_points": r.difference, "too_thin": r.thin,
                "correlations": [{"lag_months": lag, "r": value, "n": n}
                                 for lag, value, n in report.correlations[r.brand.pk]],
            } for r in report.brands],
        })
