from django.urls import path

from clubs import views

app_name = "clubs"

urlpatterns = [
    path("", views.club_list, name="list"),
    path("new/", views.club_create, name="create"),
    path("<str:slug>/", views.club_detail, name="detail"),
    path("<str:slug>/apply/", views.club_apply, name="apply"),
    path("<str:slug>/leave/", views.club_leave, name="leave"),
    path("<str:slug>/share/", views.club_share, name="share"),
    path("<str:slug>/dues/", views.dues_pay, name="dues-pay"),
    path("<str:slug>/invitation/", views.club_invitation, name="invitation"),
    path("<str:slug>/manage/", views.club_manage, name="manage"),
    path("<str:slug>/edit/", views.club_edit, name="edit"),
    path("<str:slug>/roster.csv", views.roster_csv, name="roster-csv"),
    path("<str:slug>/announce/", views.announcement_create, name="announce"),
    path("<str:slug>/rides/new/", views.ride_create, name="ride-create"),
    path("<str:slug>/team-entry/<str:event_slug>/", views.team_entry, name="team-entry"),
]
