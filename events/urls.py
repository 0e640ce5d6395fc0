from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("mine/", views.my_events, name="mine"),
    path("feed/<str:token>.ics", views.personal_feed, name="feed"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration"),
    path("<str:slug>/", views.event_detail, name="detail"),
    path("<str:slug>/edit/", views.event_edit, name="edit"),
    path("<str:slug>/manage/", views.event_manage, name="manage"),
    path("<str:slug>/action/<str:action>/", views.event_action, name="action"),
    path("<str:slug>/categories/<int:pk>/", views.category_settings, name="category"),
    path("<str:slug>/checkin/", views.checkin_page, name="checkin"),
    path("<str:slug>/checkin/device/", views.checkin_device, name="checkin-device"),
    path("<str:slug>/checkin/device/sw.js", views.checkin_device_worker, name="checkin-device-worker"),
    path("<str:slug>/checkin/device/manifest.webmanifest", views.checkin_device_manifest,
         name="checkin-device-manifest"),
    path("<str:slug>/messages/", views.field_messages, name="field-messages"),
    path("<str:slug>/helpers/", views.helpers_page, name="helpers"),
    path("<str:slug>/helpers/join/<str:code>/", views.helper_join_page, name="helper-join"),
    path("<str:slug>/export/<str:kind>.csv", views.export, name="export"),
    path("<str:slug>/id-log/", views.id_log, name="id-log"),
    path("<str:slug>/registrations/<int:pk>/history/", views.registration_history_page, name="history"),
    path("<str:slug>/codes/", views.entry_codes, name="codes"),
    path("<str:slug>/extras/", views.extras_page, name="extras"),
    path("<str:slug>/extras/pickup.csv", views.pickup_csv, name="pickup"),
    path("<str:slug>/documents/", views.document_upload, name="documents"),
    path("<str:slug>/documents/<int:pk>/", views.document_file, name="document"),
    path("<str:slug>/share.png", views.share_image, name="share-image"),
    path("<str:slug>/family/", views.family_entry, name="family"),
    path("<str:slug>/ballot/<int:pk>/entries.json", views.ballot_entries, name="ballot-entries"),
    path("<str:slug>/results/upload/", views.results_upload, name="results-upload"),
    path("<str:slug>/start-list/", views.start_list_page, name="start-list"),
    path("<str:slug>/results/", views.results_page, name="results"),
    path("<str:slug>/calendar.ics", views.event_calendar, name="calendar"),
]
