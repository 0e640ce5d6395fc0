"""Payments' services, one module per sub-domain:

- ``orders``: an order's status door, orders for seats, dues and switches, group orders,
  starting a payment, closing a trade, the expiry job;
- ``notifications``: money coming in (provider notifications, "I have paid", the development
  gateway, money taken on site) recorded once and applied;
- ``refunds``: money going back through the provider that took it, followed until it arrives;
- ``policy``: an event's payment settings and what its refund policy gives back;
- ``held``: a held seat's order (payer, words, lines) and the one statement that writes it,
  alone or inside events' one-statement sign-up;
- ``seats``: money when a seat moves (events' seat_money port: released, transferred,
  re-priced, event cancelled) and what a seat has kept;
- ``fapiao``: fapiao requests.

Callers import from ``payments.services``; the names below are the public ones."""

from payments.services.fapiao import fapiao_request
from payments.services.held import seat_payer_id
from payments.services.notifications import (
    dev_notification,
    dev_pay,
    notice_record,
    notification_receive,
    order_check,
    payment_offline,
    payment_record,
)
from payments.services.orders import (
    EXPIRE_BATCH,
    LOCAL_REFUNDERS,
    group_order_create,
    lines_describe,
    methods_for,
    order_create,
    order_for_seat,
    order_move,
    orders_expire,
    pay_start,
    trade_close,
)
from payments.services.policy import payment_settings_update, refund_by_policy
from payments.services.refunds import (
    line_refund,
    organizer_refund,
    refund_apply,
    refund_create,
    refund_move,
    refund_notice,
    refund_retry,
    refund_send,
    refundable,
    refunds_follow,
)
from payments.services.seats import (
    event_refund_all,
    kept_fen,
    order_transfer,
    seat_released,
    seat_repriced,
    switch_order,
)

__all__ = [
    "EXPIRE_BATCH", "LOCAL_REFUNDERS", "dev_notification", "dev_pay", "event_refund_all", "fapiao_request",
    "group_order_create", "kept_fen", "line_refund", "lines_describe", "methods_for", "notice_record",
    "notification_receive", "order_check", "order_create", "order_for_seat", "order_move",
    "order_transfer", "orders_expire", "organizer_refund", "pay_start", "payment_offline",
    "payment_record", "payment_settings_update", "refund_apply", "refund_by_policy", "refund_create", "refund_move",
    "refund_notice", "refund_retry", "refund_send", "refundable", "refunds_follow", "seat_payer_id",
    "seat_released", "seat_repriced", "switch_order", "trade_close",
]
