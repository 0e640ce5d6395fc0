"""iCalendar files: one event, and a rider's personal feed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from core.i18n import localized
from events.models import Event

if TYPE_CHECKING:  # (icalendar is imported when a file is made: ~0.09 s at every process start otherwise)
    from icalendar import Calendar
    from icalendar import Event as VEvent


def _calendar() -> Calendar:
    from icalendar import Calendar  # noqa: PLC0415

    calendar = Calendar()
    calendar.add("prodid", "-//Xingtai Cycling//events//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _vevent(event: Event, base_url: str) -> VEvent:
    from icalendar import Event as VEvent  # noqa: PLC0415

    item = VEvent()
    item.add("uid", f"event-{event.pk}@xingtai-cycling")
    item.add("summary", localized(event, "title"))
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("dtstamp", event.created_at)
    if event.meeting_point:
        item.add("location", event.meeting_point)
    if event.meeting_lat is not None and event.meeting_lon is not None:
        item.add("geo", (event.meeting_lat, event.meeting_lon))
    item.add("url", base_url + reverse("events:detail", args=[event.slug]))
    item.add("description", localized(event, "description")[:2000])
    if event.status == Event.Status.CANCELLED:
        item.add("status", "CANCELLED")
    return item


def event_ics(event: Event, *, base_url: str) -> bytes:
    calendar = _calendar()
    calendar.add_component(_vevent(event, base_url))
    return calendar.to_ical()


def feed_ics(events: list[Event], *, base_url: str, name: str) -> bytes:
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, base_url))
    return calendar.to_ical()
