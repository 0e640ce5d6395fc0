"""Celery tasks of the industry app: statistics jobs (safe to run twice, or after a crash)."""

from celery import shared_task

from industry import sales, services, stats


@shared_task(name="industry.compute_all_stats", time_limit=3000, soft_time_limit=2900)
def compute_all_stats() -> dict:
    return stats.stats_compute_all()


@shared_task(name="industry.compute_event_stats", time_limit=600, soft_time_limit=540)
def compute_event_stats(event_id: int) -> int:
    count = stats.event_stats_compute(event_ids=[event_id])
    stats.monthly_stats_compute()
    return count


@shared_task(name="industry.import_sales", time_limit=sales.IMPORT_TIME_LIMIT, soft_time_limit=2900)
def import_sales(sales_import_id: int) -> int:
    return sales.sales_import_run(sales_import_id=sales_import_id).applied


@shared_task(name="industry.prepare_linkage", time_limit=600, soft_time_limit=540)
def prepare_linkage(event_ids: list[int], months: int, viewer_id: int, channel: str, brand_id: int | None) -> int:
    """Compute a linkage report's analyses into the cache (a request found more than its share)."""
    return services.linkage_prepared(event_ids=event_ids, months=months, viewer_id=viewer_id, channel=channel,
                                     brand_id=brand_id)
