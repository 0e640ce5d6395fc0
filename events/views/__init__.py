"""The events pages, by audience: ``public`` (anyone), ``rider`` (a rider's own registration,
events and family entry), ``organizer`` (an event's organizers); ``common`` holds what several
share. Views only show: they read through events.selectors and write through events.services."""

from events.views.extras import document_file, document_upload, extras_page, pickup_csv, share_image
from events.views.field import field_messages
from events.views.helpers import (
    checkin_device,
    checkin_device_manifest,
    checkin_device_worker,
    helper_join_page,
    helpers_page,
)
from events.views.organizer import (
    category_settings,
    checkin_page,
    entry_codes,
    event_action,
    event_create,
    event_edit,
    event_manage,
    export,
    id_log,
    registration_history_page,
    results_upload,
)
from events.views.public import (
    ballot_entries,
    event_calendar,
    event_detail,
    event_list,
    personal_feed,
    results_page,
    start_list_page,
)
from events.views.rider import family_entry, my_events, registration_detail

__all__ = [
    "ballot_entries",
    "category_settings",
    "checkin_device",
    "checkin_device_manifest",
    "checkin_device_worker",
    "checkin_page",
    "document_file",
    "document_upload",
    "entry_codes",
    "event_action",
    "event_calendar",
    "event_create",
    "event_detail",
    "event_edit",
    "event_list",
    "event_manage",
    "export",
    "extras_page",
    "family_entry",
    "field_messages",
    "helper_join_page",
    "helpers_page",
    "id_log",
    "my_events",
    "personal_feed",
    "pickup_csv",
    "registration_detail",
    "registration_history_page",
    "results_page",
    "results_upload",
    "share_image",
    "start_list_page",
]
