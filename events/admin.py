"""Support in the admin (issue 25): events and registrations found by a rider's phone, name or username,
the event's title or a bib, read only; a registration's status history one click away; withdrawing a
seat goes through the service (refund by the policy, the seat to the waitlist, the rider told). The log
of looks at unmasked ID numbers (PIPL) is read only too."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, history_link, person_search, phone_of
from core.errors import ServiceError
from events import services
from events.models import Event, IdAccess, Registration


@admin.register(IdAccess)
class IdAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "event", "user", "action", "rows")
    list_filter = ("action",)
    search_fields = ("event__title", "user__username")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "starts_at", "status", "kind", "created_by")
    list_filter = ("status", "kind")
    search_fields = ("title", "title_en", "slug")
    date_hierarchy = "starts_at"


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ("id", "event", "rider", "rider_phone", "category", "status", "bib", "checked_in_at", "history",
                    "sent_messages")
    list_filter = ("status",)
    list_select_related = ("event", "rider", "category")
    search_fields = ("=id", "=bib", "event__title", *person_search("rider__"))
    actions = ["withdraw"]

    @admin.display(description=_("mobile"))
    def rider_phone(self, registration: Registration) -> str:
        return phone_of(registration.rider)

    @admin.display(description=_("history"))
    def history(self, registration: Registration) -> str:
        return history_link("events.registration", registration.pk)

    @admin.display(description=_("messages"))
    def sent_messages(self, registration: Registration) -> str:
        url = reverse("admin:core_outbox_changelist") + f"?topic=events.registration&object_id={registration.pk}"
        return format_html('<a href="{}">{}</a>', url, _("messages"))

    @admin.action(description=_("Withdraw the selected registrations (refund by the event's policy)"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        done = 0
        for registration in queryset:
            try:
                services.registration_cancel(registration=registration, by_rider=True, by=request.user,
                                             why="support")
                done += 1
            except ServiceError as error:
                self.message_user(request, f"#{registration.pk}: {' '.join(error.messages)}", messages.ERROR)
        self.message_user(request, _("%(n)s registrations withdrawn.") % {"n": done})
