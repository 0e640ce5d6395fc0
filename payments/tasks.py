"""Celery tasks of payments: the expiry job (beat, every minute)."""

from celery import shared_task

from payments import services


@shared_task(name="payments.expire_orders", time_limit=300, soft_time_limit=240)
def expire_orders() -> int:
    return services.orders_expire()
