"""Support tools in the Django admin (issue 25). Staff find a rider by phone, name or order number in
each app's lists; every page is read only where a service owns the change, and the few actions call
the services. Here: the read-only base, every outgoing message (to whom, why a failed one failed,
queue it again) and the status history of any seat, order, refund or offer."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.models import Outbox, StatusChange

PERSON_SEARCH = ("phone", "mobile", "real_name", "display_name", "username", "email")


def person_search(prefix: str) -> tuple[str, ...]:
    """Search fields that find a rider by phone, name or username through `prefix` (e.g. "rider__")."""
    return tuple(f"{prefix}{name}" for name in PERSON_SEARCH)


def phone_of(user: Any) -> str:
    """The number support reads out: the verified sign-in number, else the profile's mobile."""
    return user.phone or user.mobile


def history_link(subject: str, object_id: int) -> str:
    """A link to the status history (core.StatusChange) of one object."""
    url = reverse("admin:core_statuschange_changelist") + f"?subject={subject}&object_id={object_id}"
    return format_html('<a href="{}">{}</a>', url, _("status history"))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Seen, never edited here: the services own every change (with its checks, messages and history)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("created_at", "topic", "kind", "object_id", "to", "status", "attempts", "sent_at")
    list_filter = ("status", "topic", "kind")
    list_select_related = ("recipient",)
    search_fields = ("last_error", "key", *person_search("recipient__"))

    @admin.display(description=_("to"))
    def to(self, row: Outbox) -> Any:
        """The person the message is for: the row's recipient, else the one its topic names (the rider
        of a registration, the member of a membership)."""
        return outbox.recipient_of(row) or "–"
    readonly_fields = [f.name for f in Outbox._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Send the selected failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        count = outbox.retry_failed(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)s messages queued again.") % {"count": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    """Support reads the history of a seat, an order, a refund or an offer: every move, read only."""

    list_display = ("at", "subject", "object_id", "from_status", "to_status", "by", "why")
    list_filter = ("subject", "to_status")
    search_fields = ("=object_id", "why")
    readonly_fields = [f.name for f in StatusChange._meta.fields]
