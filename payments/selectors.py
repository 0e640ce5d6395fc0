"""Reads of orders: who may see one."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from events.selectors import is_organizer
from payments.models import EventPayment, Order, Payment, Refund


def orders_of(*, rider: Any) -> QuerySet[Order]:
    return (Order.objects.filter(rider=rider).select_related("registration__event", "registration__category",
                                                                  "registration__rider")
            .order_by("-created_at", "-pk"))


def payable_together(*, payer: Any) -> list[dict]:
    """Per event, the payer's unpaid seat orders when there are several (a family's seats): what
    one payment for all of them would be (event, count, amount_fen)."""
    rows: dict[int, dict] = {}
    for order in (Order.objects.filter(rider=payer, kind=Order.Kind.REGISTRATION, status=Order.Status.PENDING,
                                       expires_at__gt=timezone.now()).select_related("registration__event")):
        event = order.registration.event if order.registration else None
        if event is None:
            continue
        row = rows.setdefault(event.pk, {"event": event, "count": 0, "amount_fen": 0})
        row["count"] += 1
        row["amount_fen"] += order.amount_fen
    return [row for row in rows.values() if row["count"] >= 2]


def order_for(*, order_id: int, user: Any) -> Order:
    """The order for its rider, the event's organizers and staff; 404 for everyone else."""
    order = (Order.objects.select_related("registration__event").prefetch_related("lines__refunds")  # (its lines shown)
             .filter(pk=order_id).first())
    if order is None or not user.is_authenticated:
        raise Http404
    if not (order.rider_id == user.pk or user.is_staff
            or (order.registration and is_organizer(user=user, event=order.registration.event))):
        raise Http404
    return order


def unpaid_orders(*, event: Any) -> QuerySet[Order]:
    return (Order.objects.filter(registration__event=event, status=Order.Status.PENDING)
            .select_related("registration__rider", "registration__category").order_by("expires_at"))


def payment_settings_of(event: Any) -> EventPayment:
    """An event's payment methods and refund policy (an unsaved default row when never set)."""
    return EventPayment.objects.filter(event=event).first() or EventPayment(event=event)


def order_ledger(order: Order) -> tuple[QuerySet[Payment], QuerySet[Refund]]:
    """An order's payments and refunds, oldest first (its receipt)."""
    return order.payments.order_by("pk"), order.refunds.order_by("pk")


def event_order(*, event: Any, order_id: int | None, pending: bool = False) -> Order:
    """One of the event's seat orders (a pending one, when asked); 404 otherwise."""
    orders = Order.objects.filter(pk=order_id or 0, registration__event=event)
    order = (orders.filter(status=Order.Status.PENDING) if pending else orders).first()
    if order is None:
        raise Http404
    return order


def event_refund(*, event: Any, refund_id: int | None) -> Refund:
    refund = Refund.objects.filter(pk=refund_id or 0, order__registration__event=event).first()
    if refund is None:
        raise Http404
    return refund


def wechat_openid(user: Any) -> str:
    """The rider's WeChat openid, known once they signed in with WeChat (JSAPI needs it)."""
    accounts = getattr(user, "socialaccount_set", None)
    account = accounts.filter(provider="weixin").first() if accounts is not None else None
    return str(account.extra_data.get("openid", "")) if account else ""


def money_backlog() -> tuple[int, int]:
    """(unpaid orders past their deadline that the expiry job has not closed yet, refunds requested
    or with the provider): for the metrics; both should stay near zero."""
    past = Order.objects.filter(status=Order.Status.PENDING, expires_at__lt=timezone.now()).count()
    return past, Refund.objects.filter(status__in=Refund.OPEN).count()
