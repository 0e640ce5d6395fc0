"""Celery tasks of payments: the expiry job (beat, every minute), sending a refund to its provider
(queued after the refund is written) and following refunds (beat, every 5 minutes)."""

from celery import shared_task

from payments import services


@shared_task(name="payments.expire_orders", time_limit=300, soft_time_limit=240)
def expire_orders() -> int:
    return services.orders_expire()


@shared_task(name="payments.send_refund", time_limit=120, soft_time_limit=100)
def send_refund(refund_id: int) -> str:
    refund = services.refund_send(refund_id=refund_id)
    return refund.status if refund else "gone"


@shared_task(name="payments.close_trade", time_limit=60, soft_time_limit=50)
def close_trade(order_id: int) -> bool:
    return services.trade_close(order_id=order_id)


@shared_task(name="payments.follow_refunds", time_limit=600, soft_time_limit=540)
def follow_refunds() -> dict:
    return services.refunds_follow()
