from django.contrib import admin

from industry.models import Brand, SalesRecord, Sponsorship


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "county", "is_local")
    filter_horizontal = ("users",)


@admin.register(Sponsorship)
class SponsorshipAdmin(admin.ModelAdmin):
    list_display = ("event", "brand", "tier")


@admin.register(SalesRecord)
class SalesRecordAdmin(admin.ModelAdmin):
    list_display = ("brand", "month", "channel", "units", "revenue_cny")
    list_filter = ("brand", "channel")
