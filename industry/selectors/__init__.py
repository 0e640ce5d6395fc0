"""Reads for the insights pages and API, one module per sub-domain:

- ``access``: who may see what (analysts, a maker's staff and their brands);
- ``summary``: the statistics tables, the district table and the protected public summary;
- ``report``: the linkage report (sales beside participation, the analysis, correlations).

No personal data leaves here: everything is read from the statistics tables and sales figures.
Callers import from ``industry.selectors``; the names below are the public ones."""

from core.times import month_add
from industry.estimates import pearson
from industry.selectors.access import brands_of, is_analyst, may_see_insights, visible_brands
from industry.selectors.report import (
    ANALYSES_IN_A_REQUEST,
    ANALYSIS_CACHE_SECONDS,
    ANALYSIS_VERSION,
    MIN_CORRELATION_MONTHS,
    MIN_MONTHS,
    MIN_PARTICIPANTS,
    BrandLinkage,
    Linkage,
    MonthRow,
    ReportNotReady,
    SeedMeasures,
    SeriesEstimate,
    Window,
    analysis,
    brand_months,
    linkage,
    panels,
    sales_by_month,
    seed_measures,
)
from industry.selectors.summary import (
    PROTECTING,
    PUBLIC_CACHE_KEY,
    PUBLIC_VERSION,
    SUPPRESS_BELOW,
    XINGTAI_AREAS,
    DistrictTable,
    brand_shares,
    count_shown,
    dimension_totals,
    district_participation,
    event_rows,
    events_filter,
    last_computed,
    monthly,
    protecting_label,
    public_summary,
    public_tables,
    sponsored_events,
    suppress,
    suppressed_label,
    synthetic_data_present,
)

__all__ = [
    "ANALYSES_IN_A_REQUEST", "ANALYSIS_CACHE_SECONDS", "ANALYSIS_VERSION", "MIN_CORRELATION_MONTHS", "MIN_MONTHS",
    "MIN_PARTICIPANTS", "PROTECTING", "PUBLIC_CACHE_KEY", "PUBLIC_VERSION", "SUPPRESS_BELOW", "XINGTAI_AREAS",
    "BrandLinkage", "DistrictTable", "Linkage", "MonthRow", "ReportNotReady", "SeedMeasures", "SeriesEstimate",
    "Window", "analysis", "brand_months", "brand_shares", "brands_of", "count_shown", "dimension_totals",
    "district_participation", "event_rows", "events_filter", "is_analyst", "last_computed", "linkage",
    "may_see_insights", "month_add", "monthly", "panels", "pearson", "protecting_label", "public_summary",
    "public_tables", "sales_by_month", "seed_measures", "sponsored_events", "suppress", "suppressed_label",
    "synthetic_data_present", "visible_brands",
]
