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
    participants = serializers.IntegerField(allow_null=True, help_text=(
        "Null when hidden: under suppressed_below, or hidden so that another count cannot be worked out."))
    events = serializers.IntegerField()
    first_time_riders = serializers.IntegerField(allow_null=True, help_text=(
        "Null when hidden: under suppressed_below, or hidden so that another count cannot be worked out."))


def _pairs() -> serializers.ListField:
    return serializers.ListField(child=serializers.ListField(
        child=serializers.JSONField(), min_length=2, max_length=2,
        help_text="[group, riders]; riders is null when hidden (under suppressed_below, or to protect another)."))


class SummaryOutput(serializers.Serializer):
    monthly = PublicMonthOutput(many=True)
    locality = _pairs()
    gender = _pairs()
    age_band = _pairs()
    brand_origin = _pairs()
    suppressed_below = serializers.IntegerField()
    last_computed = serializers.SerializerMethodField(
        help_text="When each statistics job last finished: [{job, at}] (the job in the request's language).")

    def get_last_computed(self, data) -> list[dict]:
        return [{"job": str(job), "at": serializers.DateTimeField().to_representation(at)}
                for job, at in data["last_computed"]]


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


class IntervalOutput(serializers.Serializer):
    percent = serializers.FloatField(source="pct")
    low_percent = serializers.FloatField(source="low_pct")
    high_percent = serializers.FloatField(source="high_pct")


class EventStudyOutput(serializers.Serializer):
    relative_month = serializers.IntegerField(help_text="Months from the event month; -1 is the reference.")
    effect = IntervalOutput()


class SeriesEstimateOutput(serializers.Serializer):
    """One series' analysis, as the page shows it (industry/estimates.py, docs/insights.md)."""

    series = serializers.CharField(source="key", help_text="all, a sales channel, or heat (topic mentions).")
    shown = serializers.SerializerMethodField(
        help_text="Whether the page shows the difference (computed and credible).")
    reasons = serializers.ListField(child=serializers.CharField(), source="result.reasons",
                                    help_text="Why no estimate could be made (comparison, pre_months, months...).")
    difference = serializers.SerializerMethodField(help_text="Against the comparison brands, with the 95% interval.")
    rank = serializers.SerializerMethodField(help_text="The sponsor's place among the J + 1 brands, 1 = largest.")
    p_value = serializers.SerializerMethodField(help_text="Permutation (rank) p-value.")
    brands = serializers.SerializerMethodField()
    comparison_brands = serializers.SerializerMethodField()
    months = serializers.SerializerMethodField()
    clustered_interval = serializers.SerializerMethodField(help_text="Reported for reference, never the answer.")
    erasing_trend_percent_per_month = serializers.SerializerMethodField(
        help_text="A trend difference, before and after alike, that would produce the whole difference.")
    pretrend_p = serializers.FloatField(source="result.pretrend_p", allow_null=True,
                                        help_text="Linear-trend test before the event (null: not run).")
    pretrend_slope_percent_per_month = serializers.FloatField(source="result.pretrend_slope_pct", allow_null=True)
    placebo = serializers.SerializerMethodField(help_text="The same estimate a year before the event.")
    credible = serializers.BooleanField(source="result.credible")
    cautions = serializers.ListField(child=serializers.CharField(), source="result.cautions",
                                     help_text="few_for_pretrend, pretrend, placebo_effect.")
    event_study = EventStudyOutput(many=True, source="result.event_study")

    def _estimate(self, item):
        return item.result.estimate

    def get_shown(self, item) -> bool:
        return item.result.estimate is not None and item.result.credible

    def get_difference(self, item) -> dict | None:
        e = self._estimate(item)
        return IntervalOutput(e.effect).data if e and item.result.credible else None

    def get_rank(self, item) -> int | None:
        e = self._estimate(item)
        return e.rank if e else None

    def get_p_value(self, item) -> float | None:
        e = self._estimate(item)
        return e.p_value if e else None

    def get_brands(self, item) -> int | None:
        e = self._estimate(item)
        return e.brands if e else None

    def get_comparison_brands(self, item) -> int | None:
        e = self._estimate(item)
        return e.comparison if e else None

    def get_months(self, item) -> int | None:
        e = self._estimate(item)
        return e.months if e else None

    def get_clustered_interval(self, item) -> dict | None:
        e = self._estimate(item)
        return IntervalOutput(e.clustered).data if e else None

    def get_erasing_trend_percent_per_month(self, item) -> float | None:
        e = self._estimate(item)
        return e.erasing_trend_pct if e else None

    def get_placebo(self, item) -> dict | None:
        placebo = item.result.placebo
        return IntervalOutput(placebo.effect).data if placebo else None


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
    synthetic = serializers.BooleanField(source="brand.synthetic", help_text="Made-up demo data.")
    estimates = SeriesEstimateOutput(many=True)
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
    synthetic = serializers.SerializerMethodField(help_text="Whether any figure shown is made-up demo data.")
    brands = serializers.SerializerMethodField()

    def get_synthetic(self, report) -> bool:
        return any(row.brand.synthetic for row in report.brands)

    def get_brands(self, report) -> list[dict]:
        return BrandLinkageOutput(report.brands, many=True, context={"correlations": report.correlations}).data


class LinkagePendingOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["computing"])
    retry_after = serializers.IntegerField(help_text="Seconds to wait before asking again.")


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
