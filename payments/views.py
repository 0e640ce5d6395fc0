"""The rider's order page (choose WeChat Pay, Alipay ...; a QR code, a redirect or WeChat's in-app
payment), receipts and fapiao requests, the providers' notification endpoint, the development
gateway, and the organizer's pages: unpaid seats, payments and refunds, the finance exports."""

from __future__ import annotations

import contextlib
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.errors import ServiceError
from core.http import client_ip
from core.parse import whole_number
from core.views import form_errors_flashed, shown_on
from events.mail import qr_svg
from events.selectors import event_for_organizer, event_get
from payments import finance, providers, services
from payments.forms import FapiaoForm, PaymentSettingsForm, RefundForm
from payments.models import Order
from payments.selectors import (
    event_order,
    event_refund,
    order_for,
    order_ledger,
    orders_of,
    payable_together,
    payment_settings_of,
    unpaid_orders,
    wechat_openid,
)

MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)


def channel_of(request: HttpRequest) -> str:
    """Where the rider pays from: inside WeChat, a phone browser, or a desktop."""
    agent = request.headers.get("User-Agent", "")
    if "MicroMessenger" in agent:
        return "wechat"
    return "mobile" if MOBILE.search(agent) else "desktop"


def _done_url(order: Order) -> str:
    if order.return_path:
        return order.return_path
    if order.registration_id:
        return reverse("events:registration", args=[order.registration_id])
    if order.kind == Order.Kind.GROUP:  # the family's seats: My events lists every one
        return reverse("events:mine")
    return reverse("payments:orders")


def _own_order(request: HttpRequest, pk: int) -> Order:
    order = order_for(order_id=pk, user=request.user)
    if order.rider_id != request.user.pk:
        raise Http404
    return order


@login_required
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay an order: one button per payment method the event offers. WeChat Pay shows a QR code
    on a desktop, goes to WeChat on a phone and pays in-app inside WeChat; Alipay opens its page."""
    order = _own_order(request, pk)
    start = None
    if request.method == "POST" and order.shown_status == Order.Status.PENDING:
        if request.POST.get("action") == "check":
            with shown_on(request) as outcome:
                order = services.order_check(order=order)
            if order.status != Order.Status.PAID:  # "I have paid" before paying, or the notice is on its way
                if outcome.ok:
                    messages.warning(request, _("No payment has arrived for this order yet. If you have not paid, "
                                                "choose a way to pay below; if you just paid, wait a minute and "
                                                "press “I have paid” again.") if order.provider else
                                     _("You have not started a payment for this order yet: choose a way to pay "
                                       "below."))
                return redirect("payments:order", pk=order.pk)
        else:
            with shown_on(request) as outcome:
                start = services.pay_start(order=order, code=request.POST.get("method", ""),
                                           channel=channel_of(request), client_ip=client_ip(request),
                                           return_url=settings.SITE_URL.rstrip("/") + reverse("payments:order",
                                                                                             args=[order.pk]),
                                           openid=wechat_openid(request.user))
            if outcome.ok and start is not None and start.kind == "redirect":
                return redirect(start.url)
            if not outcome.ok:
                return redirect("payments:order", pk=order.pk)
    elif request.method == "GET" and order.status == Order.Status.PENDING and order.provider:
        with contextlib.suppress(ServiceError):  # back from the provider's page: ask, in case its notice is late
            order = services.order_check(order=order)
    if order.status == Order.Status.PAID and request.method == "POST":
        messages.success(request, _("Paid, thank you."))
        return redirect(_done_url(order))
    return render(request, "payments/order.html", {
        "order": order, "start": start, "done_url": _done_url(order),
        "qr": mark_safe(qr_svg(start.url)) if start and start.kind == "qr" else "",  # noqa: S308 - segno's SVG
        "methods": [(code, providers.label(code)) for code in services.methods_for(order)],
        "channel": channel_of(request)})


@login_required
def order_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the QR page: the order's status (asking the provider while it is pending)."""
    order = _own_order(request, pk)
    try:
        order = services.order_check(order=order)
    except ServiceError:
        order.refresh_from_db()
    done = _done_url(order) if order.status == Order.Status.PAID else ""
    return JsonResponse({"status": order.shown_status, "next": done})


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    orders = list(orders_of(rider=request.user)[:200])
    return render(request, "payments/my_orders.html", {"orders": orders,
                                                       "together": payable_together(payer=request.user)})


@login_required
@require_POST
def pay_together(request: HttpRequest, slug: str) -> HttpResponse:
    """One payment for the payer's unpaid seats of an event (a family's): the group order's page."""
    event = event_get(slug=slug, user=request.user)
    with shown_on(request) as outcome:
        group = services.group_order_create(payer=request.user, event=event)
    if not outcome.ok:
        return redirect("payments:orders")
    return redirect("payments:order", pk=group.pk)


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable receipt of what was paid and given back, and the fapiao request."""
    order = order_for(order_id=pk, user=request.user)
    if order.paid_at is None:
        raise Http404
    mine = order.rider_id == request.user.pk
    invoiceable = order.status in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)  # not once all came back
    form = FapiaoForm(request.POST or None, instance=getattr(order, "fapiao", None)) if mine and invoiceable else None
    if request.method == "POST" and form is not None and form.is_valid():
        with shown_on(form) as outcome:
            services.fapiao_request(order=order, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("Your fapiao request was sent to the organizer."))
            return redirect("payments:receipt", pk=order.pk)
    payments, refunds = order_ledger(order)
    return render(request, "payments/receipt.html", {
        "order": order, "payments": payments, "refunds": refunds,
        "form": form, "labels": providers.LABELS, "refunded_in_full": mine and not invoiceable})


@csrf_exempt
@require_POST
def notify(request: HttpRequest, code: str) -> HttpResponse:
    """A provider's notification: CSRF-exempt (the provider is not a browser) and verified by its
    signature instead; the answer is the one the provider expects."""
    provider = providers.get(code)
    if provider is None:
        raise Http404
    try:
        services.notification_receive(code=code, request=request)
    except ServiceError as error:
        return provider.ack(False, error.messages[0] if error.messages else "")
    return provider.ack(True)


@login_required
def dev_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """A stand-in for WeChat Pay and Alipay in development: "pay" sends a signed notification
    through the same verification and state code as a real provider's."""
    if not providers.dev_enabled():
        raise Http404
    order = _own_order(request, pk)
    if request.method == "POST" and order.shown_status == Order.Status.PENDING:
        if request.POST.get("outcome") == "succeed":
            with shown_on(request) as outcome:
                order = services.dev_pay(order=order)
            if outcome.ok:
                messages.success(request, _("Paid: your seat is confirmed.") if order.status == Order.Status.PAID
                                 else _("It was no longer available: your payment is refunded."))
        else:
            messages.error(request, _("The payment failed: nothing was charged. Try again before the deadline."))
        return redirect(_done_url(order))
    return render(request, "payments/dev_pay.html", {"order": order})


@login_required
def unpaid(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's seats waiting for payment; an organizer marks one paid when the money came on
    site or by bank transfer."""
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        order = event_order(event=event, order_id=whole_number(request.POST.get("order", "")), pending=True)
        with shown_on(request) as outcome:
            order = services.payment_offline(order=order, by=request.user)
        if outcome.ok:
            messages.success(request, _("Marked paid: the seat is confirmed.") if order.status == Order.Status.PAID
                             else _("The seat was no longer held: nothing was confirmed."))
        return redirect("payments:unpaid", slug=event.slug)
    orders = [o for o in unpaid_orders(event=event) if o.shown_status == Order.Status.PENDING]
    return render(request, "payments/unpaid.html", {"event": event, "orders": orders})


@login_required
def event_payments(request: HttpRequest, slug: str) -> HttpResponse:
    """The organizer's payments page: methods and refund policy, totals per provider (the same
    figures as the finance CSV), paid orders with a refund form, refunds that failed. A POST goes
    to the view its `action` names (an unknown one is 404)."""
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        action = EVENT_PAYMENT_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            raise Http404
        return action(request, event)
    return _event_payments_page(request, event, PaymentSettingsForm(instance=payment_settings_of(event)))


def _event_payments_page(request: HttpRequest, event, settings_form: PaymentSettingsForm) -> HttpResponse:
    return render(request, "payments/event_payments.html", {
        "event": event, "settings_form": settings_form, "summary": finance.event_summary(event),
        "paid": finance.paid_orders(event), "failed": finance.failed_refunds(event),
        "open_refunds": finance.open_refunds(event), "labels": providers.LABELS})


def payment_settings_save(request: HttpRequest, event) -> HttpResponse:
    form = PaymentSettingsForm(request.POST, instance=payment_settings_of(event))
    if not form.is_valid():
        return _event_payments_page(request, event, form)
    services.payment_settings_update(event=event, **form.cleaned_data)
    messages.success(request, _("Payment settings saved."))
    return redirect("payments:event", slug=event.slug)


def refund_give(request: HttpRequest, event) -> HttpResponse:
    """The organizer refunds part or all of an order (and withdraws the entry, if asked)."""
    order = event_order(event=event, order_id=whole_number(request.POST.get("order", "")))
    form = RefundForm(request.POST, order=order)
    if form.is_valid():
        with shown_on(request) as outcome:
            refund = services.organizer_refund(order=order, amount_fen=form.cleaned_data["amount_fen"],
                                               withdraw=form.cleaned_data["withdraw"], by=request.user)
        if outcome.ok:
            messages.success(request, _("Refund of ¥%(amount)s: %(status)s.") % {
                "amount": f"{refund.amount_fen / 100:.2f}", "status": refund.get_status_display()})
    else:
        form_errors_flashed(request, form)
    return redirect("payments:event", slug=event.slug)


def refund_again(request: HttpRequest, event) -> HttpResponse:
    refund = event_refund(event=event, refund_id=whole_number(request.POST.get("refund", "")))
    with shown_on(request) as outcome:
        services.refund_retry(refund=refund, by=request.user)
    if outcome.ok:
        messages.success(request, _("The refund was sent again."))
    return redirect("payments:event", slug=event.slug)


EVENT_PAYMENT_ACTIONS = {"settings": payment_settings_save, "refund": refund_give, "retry": refund_again}


@login_required
def finance_csv(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    header, rows = finance.ledger_rows(event)
    return csv_response(f"{event.slug}-finance", header, rows)


@login_required
def lines_csv(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    header, rows = finance.line_rows(event)
    return csv_response(f"{event.slug}-order-lines", header, rows)


@login_required
def fapiao_csv(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for_organizer(slug=slug, user=request.user)
    header, rows = finance.fapiao_rows(event)
    return csv_response(f"{event.slug}-fapiao", header, rows)
