"""{% my_orders user %}: the rider's latest orders on their profile page (/me/), with what is
still to pay and the receipts of what was paid."""

from typing import Any

from django import template

from payments.selectors import orders_of

register = template.Library()


@register.inclusion_tag("payments/_my_orders.html")
def my_orders(user: Any, count: int = 5) -> dict:
    orders = list(orders_of(rider=user)[:count]) if user.is_authenticated else []
    return {"orders": orders}
