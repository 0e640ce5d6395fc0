"""Staff read the log of looks at unmasked ID numbers (PIPL); nobody edits it."""

from django.contrib import admin

from events.models import IdAccess


@admin.register(IdAccess)
class IdAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "user", "action", "rows")
    list_filter = ("action",)
    search_fields = ("event__title", "user__username")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
