"""Riders in the admin (issue 25): found by phone, name, username or e-mail; each rider's page links to
their registrations, orders, refunds and messages (each app's own list, filtered: accounts imports
no app above it)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import PROFILE_FIELDS
from core.admin import PERSON_SEARCH

# (admin list, the filter naming the rider, label)
SUPPORT_LISTS = (
    ("admin:events_registration_changelist", "rider__id__exact", _("registrations")),
    ("admin:payments_order_changelist", "rider__id__exact", _("orders")),
    ("admin:payments_refund_changelist", "order__rider__id__exact", _("refunds")),
    ("admin:core_outbox_changelist", "recipient__id__exact", _("messages addressed to them")),
)


@admin.register(User)
class RiderAdmin(UserAdmin):
    fieldsets = ((_("Support"), {"fields": ("support_links",)}), *UserAdmin.fieldsets,
                 (_("Rider profile"), {"fields": PROFILE_FIELDS}))
    readonly_fields = ("support_links",)
    list_display = ("username", "real_name", "phone", "email", "display_name", "home_area", "is_staff")
    list_filter = (*UserAdmin.list_filter, "home_area", "gender")
    search_fields = PERSON_SEARCH

    @admin.display(description=_("this rider's"))
    def support_links(self, user: User) -> str:
        if not user.pk:
            return ""
        return format_html_join(" · ", '<a href="{}?{}={}">{}</a>',
                                ((reverse(name), key, user.pk, label) for name, key, label in SUPPORT_LISTS)) or \
            format_html("")
