"""Reads of orders: who may see one."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from events.selectors import is_organizer
from payments.models import Order


def orders_of(*, rider: Any) -> QuerySet[Order]:
    return (Order.objects.filter(rider=rider).select_related("registration__event", "registration__rider")
            .order_by("-created_at", "-pk"))


def order_for(*, order_id: int, user: Any) -> Order:
    """The order for its rider, the event's organizers and staff; 404 for everyone else."""
    order = Order.objects.select_related("registration__event").filter(pk=order_id).first()
    if order is None or not user.is_authenticated:
        raise Http404
    if not (order.rider_id == user.pk or user.is_staff
            or (order.registration and is_organizer(user=user, event=order.registration.event))):
        raise Http404
    return order


def unpaid_orders(*, event: Any) -> QuerySet[Order]:
    return (Order.objects.filter(registration__event=event, status=Order.Status.PENDING)
            .select_related("registration__rider", "registration__category").order_by("expires_at"))
