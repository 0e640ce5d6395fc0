"""Staff see every outgoing message, why a failed one failed, and can queue it again."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.models import Outbox, StatusChange


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("created_at", "topic", "kind", "object_id", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "topic", "kind")
    search_fields = ("last_error", "key")
    readonly_fields = [f.name for f in Outbox._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Send the selected failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        count = outbox.retry_failed(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)s messages queued again.") % {"count": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """Support reads the history of a seat, an order, a refund or an offer: every move, read only."""

    list_display = ("at", "subject", "object_id", "from_status", "to_status", "by", "why")
    list_filter = ("subject", "to_status")
    search_fields = ("=object_id", "why")
    readonly_fields = [f.name for f in StatusChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        return False
