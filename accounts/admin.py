from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import PROFILE_FIELDS


@admin.register(User)
class RiderAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (_("Rider profile"), {"fields": PROFILE_FIELDS}))
    list_display = ("username", "email", "display_name", "home_area", "is_staff")
    list_filter = (*UserAdmin.list_filter, "home_area", "gender")
