"""Staff see every outgoing message, why a failed one failed, and can queue it again."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.models import Outbox


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
