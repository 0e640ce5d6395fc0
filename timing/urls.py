"""Timing pages, under an event's address (cycling/urls.py mounts them at /events/)."""

from django.urls import path

from timing import views

app_name = "timing"

urlpatterns = [
    path("<str:slug>/timing/", views.timing_manage, name="manage"),
    path("<str:slug>/timing/field/", views.live_field, name="field"),
    path("<str:slug>/live/", views.live_results, name="live"),
    path("registrations/<int:pk>/tracking/", views.tracking, name="tracking"),
    path("track/<str:token>/", views.shared, name="shared"),
    path("registrations/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("<str:slug>/timing/certificates.pdf", views.certificates_all, name="certificates"),
    path("certificates/<str:token>/", views.verify, name="verify"),
]
