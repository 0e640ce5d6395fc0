from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("me/", views.profile_edit, name="profile"),
    path("me/calendar/renew/", views.feed_rotate, name="feed-rotate"),
    path("me/token/revoke/", views.token_revoke, name="token-revoke"),
    path("riders/<str:username>/", views.rider_public, name="rider"),
]
