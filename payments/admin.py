"""Support in the admin (issue 25): orders found by number, rider's phone or name; their payments,
refunds and fapiao requests; read only (the services own every change); "ask the provider again"
goes through the service, as the rider's "I have paid" does."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, history_link, person_search, phone_of
from core.errors import ServiceError
from payments import services
from payments.models import FapiaoRequest, Order, Payment, Refund


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ("created_at", "provider", "provider_txn_id", "amount_fen")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class RefundInline(PaymentInline):
    model = Refund
    fields = ("created_at", "amount_fen", "status")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "rider", "rider_phone", "kind", "description", "amount_fen", "status", "provider",
                    "created_at", "paid_at", "history")
    list_filter = ("status", "kind", "provider")
    list_select_related = ("rider",)
    search_fields = ("=id", "description", *person_search("rider__"))
    inlines = [PaymentInline, RefundInline]
    actions = ["ask_provider"]

    @admin.display(description=_("mobile"))
    def rider_phone(self, order: Order) -> str:
        return phone_of(order.rider)

    @admin.display(description=_("history"))
    def history(self, order: Order) -> str:
        return history_link("payments.order", order.pk)

    @admin.action(description=_("Ask the payment provider again about the selected orders"))
    def ask_provider(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        for order in queryset.filter(status=Order.Status.PENDING):
            try:
                services.order_check(order=order)
            except ServiceError as error:
                self.message_user(request, f"#{order.pk}: {' '.join(error.messages)}", messages.ERROR)
        self.message_user(request, _("Asked. The list shows what the providers answered."))


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "amount_fen", "status", "created_at", "history")
    list_filter = ("status",)
    search_fields = ("=id", "=order__id", *person_search("order__rider__"))

    @admin.display(description=_("history"))
    def history(self, refund: Refund) -> str:
        return history_link("payments.refund", refund.pk)


@admin.register(FapiaoRequest)
class FapiaoRequestAdmin(ReadOnlyAdmin):
    list_display = ("order", "title", "taxpayer_id", "email")
    search_fields = ("=order__id", "title", "taxpayer_id", *person_search("order__rider__"))
