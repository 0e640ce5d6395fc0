"""Fapiao requests for paid orders."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import ServiceError
from payments.models import FapiaoRequest, Order


def fapiao_request(*, order: Order, title: str, taxpayer_id: str, email: str) -> Any:
    """A rider asks for a fapiao for a paid order (one per order; asking again updates it)."""
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise ServiceError(_("A fapiao can be asked for a paid order only."), "order")
    taxpayer_id = taxpayer_id.strip().upper()
    if taxpayer_id and (len(taxpayer_id) not in (15, 18, 20) or not taxpayer_id.isalnum() or not taxpayer_id.isascii()):
        raise ServiceError(_("A taxpayer id has 15, 18 or 20 letters and digits."), "taxpayer_id")
    request, _created = FapiaoRequest.objects.update_or_create(
        order=order, defaults={"title": title.strip()[:100], "taxpayer_id": taxpayer_id, "email": email.strip()})
    return request
