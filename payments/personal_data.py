"""Payments' part of a rider's data: orders, payments, refunds, fapiao requests. Erasure removes the
fapiao details; the orders and their ledger stay (accounting records), tied to the anonymised account."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.i18n import localized
from core.money import yuan
from events.models import Registration
from events.personal_data import held_seats
from payments import services
from payments.models import FapiaoRequest, Order


def preview(user: Any) -> list[str]:
    """The money a person gets back when deleting their account gives up their future seats."""
    lines = []
    for registration in held_seats(user).filter(status__in=Registration.SEATED):  # what deletion gives up
        kept = services.kept_fen(registration=registration)
        if kept:
            back = min(services.refund_by_policy(registration.event, kept), kept)
            lines.append(_("%(event)s: you paid ¥%(paid)s and get ¥%(back)s back by its refund policy.")
                         % {"event": localized(registration.event, "title"), "paid": yuan(kept), "back": yuan(back)})
    return lines


def export(user: Any) -> list[dict]:
    rows = []
    for order in Order.objects.filter(rider=user).prefetch_related("payments", "refunds").order_by("pk"):
        fapiao = FapiaoRequest.objects.filter(order=order).first()
        rows.append({"order": order.trade_no, "for": order.description, "amount_fen": order.amount_fen,
                     "status": order.status, "created_at": order.created_at,
                     "payments": [{"provider": p.provider, "transaction": p.provider_txn_id,
                                   "amount_fen": p.amount_fen, "at": p.created_at} for p in order.payments.all()],
                     "refunds": [{"amount_fen": r.amount_fen, "status": r.status, "at": r.created_at}
                                 for r in order.refunds.all()],
                     "fapiao": {"title": fapiao.title, "taxpayer_id": fapiao.taxpayer_id, "email": fapiao.email}
                     if fapiao else None})
    return rows


def erase(user: Any) -> None:
    FapiaoRequest.objects.filter(order__rider=user).delete()
