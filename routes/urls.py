from django.urls import path

from routes import views

app_name = "routes"

urlpatterns = [
    path("", views.route_list, name="list"),
    path("new/", views.route_upload, name="upload"),
    path("rides/", views.ride_list, name="rides"),
    path("rides/<int:pk>/", views.ride_detail, name="ride"),
    path("<str:slug>/", views.route_detail, name="detail"),
    path("<str:slug>/edit/", views.route_edit, name="edit"),
    path("<str:slug>/versions/new/", views.route_version_upload, name="version-upload"),
    path("<str:slug>/download/<str:fmt>/", views.route_download, name="download"),
    path("<str:slug>/cues/", views.route_cues, name="cues"),
    path("<str:slug>/cues.csv", views.route_cues_csv, name="cues-csv"),
]
