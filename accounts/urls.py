from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("me/", views.profile_edit, name="profile"),
    path("me/calendar/renew/", views.feed_rotate, name="feed-rotate"),
    path("me/password/new/", views.password_new, name="password-new"),
    path("me/data.json", views.data_download, name="data"),
    path("me/delete/", views.account_delete, name="delete"),
    path("password/forgot/", views.password_forgot, name="password-forgot"),
    path("me/token/revoke/", views.token_revoke, name="token-revoke"),
    path("riders/<str:username>/", views.rider_public, name="rider"),
]
