"""The SOS text to the organizer's emergency phone (core.outbox renders it when it goes)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.i18n import localized
from core.models import Outbox
from core.sms import Sms
from core.times import when
from routes.gcj02 import amap_marker_url
from timing.models import Position, Timing


def sos_text(position: Position) -> str:
    registration = position.registration
    rider = registration.rider
    return _("SOS %(event)s: bib %(bib)s %(name)s %(mobile)s at %(time)s, %(lat).5f,%(lon).5f %(link)s") % {
        "event": localized(registration.event, "title")[:20], "bib": registration.bib or "-",
        "name": rider.real_name or rider.public_name, "mobile": rider.phone or rider.mobile or "",
        "time": when(position.at, registration.event, "H:i"), "lat": position.lat, "lon": position.lon,
        "link": amap_marker_url(position.lat, position.lon)}


def render_sos(row: Outbox) -> Sms | None:
    position = (Position.objects.select_related("registration__rider", "registration__event")
                .filter(pk=row.object_id).first())
    if position is None:
        return None
    phone = Timing.objects.filter(event_id=position.event_id).values_list("emergency_phone", flat=True).first()
    if not phone:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = sos_text(position)
    return Sms(phone=phone, kind="sos", text=text,
               params={"bib": str(position.registration.bib or "-"), "mobile": position.registration.rider.mobile or "",
                       "position": f"{position.lat:.5f},{position.lon:.5f}"})
