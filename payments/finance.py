"""The organizer's money figures for one event: totals per provider (the payments page) and the
ledger they come from (the finance CSV), so that the two always reconcile; fapiao requests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum

from core import times
from payments import providers
from payments.models import FapiaoRequest, Order, OrderLine, Payment, Refund


@dataclass
class ProviderTotals:
    code: str
    label: str
    received_fen: int = 0
    refunded_fen: int = 0
    refunding_fen: int = 0  # requested or with the provider

    @property
    def net_fen(self) -> int:
        return self.received_fen - self.refunded_fen


@dataclass
class Summary:
    providers: list[ProviderTotals] = field(default_factory=list)
    orders: dict[str, int] = field(default_factory=dict)

    @property
    def received_fen(self) -> int:
        return sum(p.received_fen for p in self.providers)

    @property
    def refunded_fen(self) -> int:
        return sum(p.refunded_fen for p in self.providers)

    @property
    def refunding_fen(self) -> int:
        return sum(p.refunding_fen for p in self.providers)

    @property
    def net_fen(self) -> int:
        return self.received_fen - self.refunded_fen


def _payments(event: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(order__registration__event=event)


def _refunds(event: Any) -> QuerySet[Refund]:
    return Refund.objects.filter(order__registration__event=event)


def event_summary(event: Any) -> Summary:
    totals: dict[str, ProviderTotals] = {}

    def row(code: str) -> ProviderTotals:
        return totals.setdefault(code, ProviderTotals(code, providers.label(code)))

    for code, amount in _payments(event).values_list("provider").annotate(s=Sum("amount_fen")):
        row(code).received_fen = amount
    for code, status, amount in _refunds(event).values_list("provider", "status").annotate(s=Sum("amount_fen")):
        if status == Refund.Status.SUCCEEDED:
            row(code).refunded_fen += amount
        elif status in Refund.OPEN:
            row(code).refunding_fen += amount
    orders = dict(Order.objects.filter(registration__event=event).values("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    return Summary(sorted(totals.values(), key=lambda p: p.code), orders)


def paid_orders(event: Any) -> list[Order]:
    """Paid orders with what is left to refund (services.refundable, summed here in two queries
    for the whole page instead of two per order)."""
    orders = list(Order.objects.filter(registration__event=event, paid_at__isnull=False)
                  .select_related("registration__rider", "registration__category").order_by("-paid_at")[:500])
    ids = [o.pk for o in orders]
    paid = dict(Payment.objects.filter(order_id__in=ids).values("order_id").annotate(s=Sum("amount_fen"))
                .values_list("order_id", "s"))
    back = dict(Refund.objects.filter(order_id__in=ids).exclude(status=Refund.Status.FAILED).values("order_id")
                .annotate(s=Sum("amount_fen")).values_list("order_id", "s"))
    for order in orders:
        order.left_fen = paid.get(order.pk, 0) - back.get(order.pk, 0)  # type: ignore[attr-defined]
    return orders


def failed_refunds(event: Any) -> QuerySet[Refund]:
    return (_refunds(event).filter(status=Refund.Status.FAILED).select_related("order__registration__rider")
            .order_by("-created_at"))


def open_refunds(event: Any) -> QuerySet[Refund]:
    return _refunds(event).filter(status__in=Refund.OPEN).select_related("order__registration__rider")


LEDGER_HEADER = ["type", "order", "trade_no", "rider", "category", "provider", "provider_id", "amount_fen",
                 "amount_cny", "status", "at", "note"]


def _local(value: Any) -> str:
    return times.when(value, fmt="Y-m-d H:i:s")


BATCH = 500  # rows read from the database at a time while a CSV streams (core.csv): memory stays flat


def ledger_rows(event: Any) -> tuple[list[str], Iterator[list[Any]]]:
    """Every payment (+) and refund (-, with its status) of the event; the payments page's totals
    are sums of these rows (received: payments; refunded: refunds that succeeded). The rows are
    read as they are written, a batch at a time."""
    def rows() -> Iterator[list[Any]]:
        for p in _payments(event).select_related("order__registration__rider", "order__registration__category") \
                .order_by("created_at", "pk").iterator(chunk_size=BATCH):
            reg = p.order.registration
            yield ["payment", p.order_id, p.order.trade_no, reg.rider.username if reg else "",
                   reg.category.name if reg else "", p.provider, p.provider_txn_id, p.amount_fen,
                   f"{p.amount_fen / 100:.2f}", "received", _local(p.created_at), p.order.get_kind_display()]
        for r in _refunds(event).select_related("order__registration__rider", "order__registration__category") \
                .order_by("created_at", "pk").iterator(chunk_size=BATCH):
            reg = r.order.registration
            yield ["refund", r.order_id, r.order.trade_no, reg.rider.username if reg else "",
                   reg.category.name if reg else "", r.provider, r.provider_refund_id or r.reference, -r.amount_fen,
                   f"{-r.amount_fen / 100:.2f}", r.status, _local(r.updated_at),
                   r.error or (f"{r.reason} [line {r.line_id}]" if r.line_id else r.reason)]
    return LEDGER_HEADER, rows()


LINES_HEADER = ["order", "trade_no", "rider", "category", "line", "kind", "description", "amount_fen", "amount_cny",
                "refunded_fen", "order_status"]


def line_rows(event: Any) -> tuple[list[str], Iterator[list[Any]]]:
    """What every order that took money was made of, line by line (entry fee, discount, each add-on,
    insurance), with what was given back for a line alone (an add-on taken back): per order the
    lines sum to its amount. Read a batch at a time as the CSV streams."""
    refunded = dict(Refund.objects.filter(order__registration__event=event, line__isnull=False)
                    .exclude(status=Refund.Status.FAILED).values("line_id").annotate(s=Sum("amount_fen"))
                    .values_list("line_id", "s"))
    rows = ([line.order_id, line.order.trade_no, line.order.registration.rider.username if line.order.registration
             else "", line.order.registration.category.name if line.order.registration else "", line.pk, line.kind,
             line.description, line.amount_fen, f"{line.amount_fen / 100:.2f}", refunded.get(line.pk, 0),
             line.order.status]
            for line in OrderLine.objects.filter(order__registration__event=event, order__paid_at__isnull=False)
            .select_related("order__registration__rider", "order__registration__category")
            .order_by("order_id", "position", "pk").iterator(chunk_size=BATCH))
    return LINES_HEADER, rows


def fapiao_rows(event: Any) -> tuple[list[str], Iterator[list[Any]]]:
    header = ["order", "trade_no", "rider", "title", "taxpayer_id", "email", "amount_cny", "requested_at"]
    rows = ([f.order_id, f.order.trade_no, f.order.rider.username, f.title, f.taxpayer_id, f.email,
             f"{f.order.amount_fen / 100:.2f}", _local(f.created_at)]
            for f in FapiaoRequest.objects.filter(order__registration__event=event)
            .select_related("order__rider").order_by("created_at").iterator(chunk_size=BATCH))
    return header, rows
