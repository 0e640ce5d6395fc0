"""Registration e-mails, written in the rider's language, with QR code and calendar file."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.i18n import localized
from events import ical
from events.models import Registration
from events.services.checkin import checkin_code


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def build(registration: Registration, kind: str) -> EmailMultiAlternatives:
    rider = registration.rider
    event = registration.event
    base = settings.SITE_URL.rstrip("/")
    with translation.override(rider.language or settings.LANGUAGE_CODE):
        context = {
            "rider": rider, "event": event, "registration": registration, "kind": kind,
            "event_title": localized(event, "title"), "category_name": localized(registration.category, "name"),
            "event_url": base + reverse("events:detail", args=[event.slug]),
            "my_url": base + reverse("events:registration", args=[registration.pk]),
            "code": checkin_code(registration) if registration.status == Registration.Status.CONFIRMED else "",
        }
        subject = render_to_string("events/mail/subject.txt", context).strip()
        body = render_to_string("events/mail/body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[rider.email])
    if context["code"] and kind in ("confirmed", "promoted", "transferred", "reminder", "team_entry"):
        message.attach("checkin-qr.png", qr_png(context["code"]), "image/png")
        message.attach("event.ics", ical.event_ics(event, base_url=base), "text/calendar")
    return message
