from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("me/", views.profile_edit, name="profile"),
    path("riders/<str:username>/", views.rider_public, name="rider"),
]
