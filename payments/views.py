"""The development gateway's pay page, and the notification endpoint providers call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.parse import whole_number
from core.views import shown_on
from events.selectors import event_for_organizer
from payments import providers, services
from payments.models import Order
from payments.selectors import order_for, unpaid_orders


@login_required
def dev_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """A stand-in for WeChat Pay and Alipay in development: "pay" sends a signed notification
    through the same verification and state code as a real provider's."""
    if not providers.dev_enabled():
        raise Http404
    order = services.order_current(order_for(order_id=pk, user=request.user))
    if order.rider_id != request.user.pk:
        raise Http404
    if request.method == "POST" and order.status == Order.Status.PENDING:
        if request.POST.get("outcome") == "succeed":
            with shown_on(request) as outcome:
                order = services.dev_pay(order=order)
            if outcome.ok:
                messages.success(request, _("Paid: your seat is confirmed.") if order.status == Order.Status.PAID
                                 else _("The seat was no longer free: your payment is refunded."))
        else:
            messages.error(request, _("The payment failed: nothing was charged. Try again before the deadline."))
        if order.registration_id:
            return redirect("events:registration", pk=order.registration_id)
    return render(request, "payments/dev_pay.html", {"order": order})


@csrf_exempt
@require_POST
def dev_notify(request: HttpRequest) -> HttpResponse:
    """The development gateway's notification endpoint (signature-checked, CSRF-exempt as every
    provider's must be)."""
    if not providers.dev_enabled():
        raise Http404
    try:
        services.dev_notification(body=request.body, signature=request.headers.get("X-Dev-Signature", ""))
    except ServiceError:
        return HttpResponse("refused", status=400, content_type="text/plain")
    return HttpResponse("success", content_type="text/plain")


@login_required
def unpaid(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's seats waiting for payment; an organizer marks one paid when the money came on
    site or by bank transfer."""
    event = event_for_organizer(slug=slug, user=request.user)
    if request.method == "POST":
        order = get_object_or_404(Order, pk=whole_number(request.POST.get("order", "")) or 0,
                                  registration__event=event, status=Order.Status.PENDING)
        with shown_on(request) as outcome:
            order = services.payment_offline(order=services.order_current(order), by=request.user)
        if outcome.ok:
            messages.success(request, _("Marked paid: the seat is confirmed.") if order.status == Order.Status.PAID
                             else _("The seat was no longer held: nothing was confirmed."))
        return redirect("payments:unpaid", slug=event.slug)
    orders = [services.order_current(o) for o in unpaid_orders(event=event)]
    return render(request, "payments/unpaid.html", {"event": event,
                                                    "orders": [o for o in orders if o.status == Order.Status.PENDING]})
