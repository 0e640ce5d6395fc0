from django.urls import path

from industry import views

app_name = "insights"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("linkage/", views.linkage, name="linkage"),
    path("sales/import/", views.sales_upload, name="sales-import"),
    path("sales/import/<int:pk>/", views.sales_import_status, name="sales-import-status"),
    path("heat/import/", views.heat_upload, name="heat-import"),
    path("events/<str:slug>/", views.event_stats, name="event"),
    path("events/<str:slug>/sponsors/", views.event_sponsors, name="event-sponsors"),
]
