"""Insights API output shapes (aggregates only: no serializer here names a rider)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from industry.models import SalesImport
from industry.sales import sales_import_progress


class MonthlyOutput(serializers.Serializer):
    month = serializers.DateField()
    participants = serializers.IntegerField()
    events = serializers.IntegerField()
    unique_riders = serializers.IntegerField()
    first_time_riders = serializers.IntegerField()


class PublicMonthOutput(serializers.Serializer):
    month = serializers.DateField()
    participants = serializers.IntegerField(allow_null=True, help_text="Null when under suppressed_below.")
    events = serializers.IntegerField()
    first_time_riders = serializers.IntegerField(allow_null=True, help_text="Null when under suppressed_below.")


def _pairs() -> serializers.ListField:
    return serializers.ListField(child=serializers.ListField(
        child=serializers.JSONField(), min_length=2, max_length=2,
        help_text="[group, riders]; riders is null when under suppressed_below."))


class SummaryOutput(serializers.Serializer):
    monthly = PublicMonthOutput(many=True)
    locality = _pairs()
    gender = _pairs()
    age_band = _pairs()
    brand_origin = _pairs()
    suppressed_below = serializers.IntegerField()
    last_computed = serializers.DateTimeField(allow_null=True)


class EventStatOutput(serializers.Serializer):
    category = serializers.IntegerField(source="category_id")
    dimension = serializers.CharField()
    bucket = serializers.CharField()
    registered = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    finished = serializers.IntegerField()


class BrandSalesOutput(serializers.Serializer):
    brand = serializers.CharField(source="brand.slug")
    months = serializers.DictField(child=serializers.IntegerField(), help_text="Units per month (YYYY-MM).")


class LinkageInput(serializers.Serializer):
    event = serializers.ListField(child=serializers.CharField(), help_text="Slugs of the events (a series).")
    months = serializers.IntegerField(min_value=1, max_value=24, default=6)


class CorrelationOutput(serializers.Serializer):
    lag_months = serializers.IntegerField()
    r = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class BrandLinkageOutput(serializers.Serializer):
    brand = serializers.CharField(source="brand.slug")
    tier = serializers.CharField()
    units_before = serializers.IntegerField(source="window.before")
    units_after = serializers.IntegerField(source="window.after")
    months_before = serializers.IntegerField(source="window.months_before")
    months_after = serializers.IntegerField(source="window.months_after")
    change_percent = serializers.SerializerMethodField()
    baseline_change_percent = serializers.SerializerMethodField()
    baseline_brands = serializers.IntegerField()
    difference_points = serializers.FloatField(source="difference", allow_null=True)
    too_thin = serializers.ListField(child=serializers.CharField(), source="thin")
    correlations = serializers.SerializerMethodField()

    def get_change_percent(self, row) -> float | None:
        return None if row.thin else row.window.change

    def get_baseline_change_percent(self, row) -> float | None:
        return None if row.thin else row.baseline.change

    def get_correlations(self, row) -> list[dict]:
        return CorrelationOutput([{"lag_months": lag, "r": r, "n": n} for lag, r, n in
                                  self.context["correlations"][row.brand.pk]], many=True).data


class LinkageOutput(serializers.Serializer):
    event_month = serializers.DateField()
    months = serializers.IntegerField()
    participants = serializers.IntegerField()
    brands = serializers.SerializerMethodField()

    def get_brands(self, report) -> list[dict]:
        return BrandLinkageOutput(report.brands, many=True, context={"correlations": report.correlations}).data


class SalesImportOutput(serializers.ModelSerializer):
    rows_read = serializers.SerializerMethodField(help_text="Rows read so far (while running).")
    url = serializers.SerializerMethodField()

    class Meta:
        model = SalesImport
        fields = ["id", "status", "rows_read", "applied", "errors", "created_at", "finished_at", "url"]

    def get_rows_read(self, job: SalesImport) -> int | None:
        return sales_import_progress(sales_import_id=job.pk)

    def get_url(self, job: SalesImport) -> str:
        return reverse("api:insights-sales-import", args=[job.pk])
