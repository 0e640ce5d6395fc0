"""Messages to the field (issue 28): the organizer writes to every confirmed rider of an event, of a
category, or to those not yet picked up or checked in, by SMS and/or e-mail, through the outbox.
A preview first (the count, the text messages it makes and their cost); every message kept on the
event; at most FIELD_MESSAGES_PER_HOUR an event, and the same text to the same riders not twice in
ten minutes (a double tap)."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import outbox
from core.errors import ServiceError
from core.i18n import localized
from events.models import Category, Event, FieldMessage, Registration, Wave
from events.services.errors import EventCode

TOPIC = "events.field"  # rendered by events.notifications.render_field
MAX_LENGTH = 300
SMS_SEGMENT = 70  # characters of one Chinese text message (UCS-2); a longer one goes in parts of 67
SMS_PART = 67


@dataclass(frozen=True)
class FieldPreview:
    recipients: int  # riders who get it by at least one channel
    unreachable: int  # riders of the audience with neither a mobile nor an address for the channels chosen
    sms_count: int  # text messages it makes (parts of a long one counted)
    sms_cost_fen: int
    emails: int
    sms_text: str  # what a phone shows (the signature is added by the provider's template)


def audience_of(*, event: Event, audience: str, category: Category | None = None,
                wave: Wave | None = None) -> QuerySet[Registration]:
    riders = event.registrations.filter(status=Registration.Status.CONFIRMED).select_related("rider")
    if audience == FieldMessage.Audience.CATEGORY:
        return riders.filter(category=category)
    if audience == FieldMessage.Audience.WAVE:
        return riders.filter(wave=wave)
    if audience == FieldMessage.Audience.NOT_PICKED_UP:
        return riders.filter(picked_up_at__isnull=True)
    if audience == FieldMessage.Audience.NOT_CHECKED_IN:
        return riders.filter(checked_in_at__isnull=True)
    return riders


def sms_parts(text: str) -> int:
    return 1 if len(text) <= SMS_SEGMENT else math.ceil(len(text) / SMS_PART)


def sms_text(event: Event, text: str) -> str:
    return f"{localized(event, 'title')}：{text}"


def _check(event: Event, audience: str, category: Category | None, wave: Wave | None, by_sms: bool,
           by_email: bool, text: str) -> str:
    text = (text or "").strip()
    if audience not in FieldMessage.Audience.values:
        raise ServiceError(_("Choose whom the message is for."), EventCode.FIELD_MESSAGE, field="audience")
    if audience == FieldMessage.Audience.CATEGORY and (category is None or category.event_id != event.pk):
        raise ServiceError(_("Choose the category the message is for."), EventCode.FIELD_MESSAGE, field="category")
    if audience == FieldMessage.Audience.WAVE and (wave is None or wave.category.event_id != event.pk):
        raise ServiceError(_("Choose the start wave the message is for."), EventCode.FIELD_MESSAGE, field="wave")
    if not (by_sms or by_email):
        raise ServiceError(_("Choose SMS, e-mail or both."), EventCode.FIELD_MESSAGE, field="by_sms")
    if not text or len(text) > MAX_LENGTH:
        raise ServiceError(_("Write the message: 1 to %(n)s characters.") % {"n": MAX_LENGTH},
                           EventCode.FIELD_MESSAGE, field="text")
    return text


def number_of(rider: User) -> str:
    """Where a text reaches the rider: the sign-in number, else the contact mobile of the profile."""
    return rider.phone or rider.mobile


def _reach(rider: User, by_sms: bool, by_email: bool) -> tuple[bool, bool]:
    return by_sms and bool(number_of(rider)), by_email and bool(rider.email)


def _reached(event: Event, audience: str, category: Category | None, wave: Wave | None, by_sms: bool,
             by_email: bool, text: str) -> tuple[FieldPreview, list[Registration]]:
    """The preview and the entries whose riders the message reaches (input checked first)."""
    text = _check(event, audience, category, wave, by_sms, by_email, text)
    shown = sms_text(event, text)
    reached, unreachable, texts, emails = [], 0, 0, 0
    for registration in audience_of(event=event, audience=audience, category=category, wave=wave):
        phone, mail = _reach(registration.rider, by_sms, by_email)
        if phone or mail:
            reached.append(registration)
        else:
            unreachable += 1
        texts, emails = texts + phone, emails + mail
    parts = sms_parts(shown)
    preview = FieldPreview(len(reached), unreachable, texts * parts, texts * parts * settings.SMS_PRICE_FEN, emails,
                           shown)
    return preview, reached


def field_message_preview(*, event: Event, audience: str, category: Category | None = None, wave: Wave | None = None,
                          by_sms: bool = True, by_email: bool = True, text: str) -> FieldPreview:
    return _reached(event, audience, category, wave, by_sms, by_email, text)[0]


@transaction.atomic
def field_message_send(*, event: Event, by: User, audience: str, category: Category | None = None,
                       wave: Wave | None = None, by_sms: bool = True, by_email: bool = True,
                       text: str) -> FieldMessage:
    """Keep the message on the event and queue one outbox row per rider reached (sent after commit)."""
    Event.objects.select_for_update().only("pk").get(pk=event.pk)  # one sender at a time per event
    category = category if audience == FieldMessage.Audience.CATEGORY else None  # what the audience names
    wave = wave if audience == FieldMessage.Audience.WAVE else None
    preview, reached = _reached(event, audience, category, wave, by_sms, by_email, text)
    text = (text or "").strip()
    now = timezone.now()
    recent = FieldMessage.objects.filter(event=event, created_at__gte=now - datetime.timedelta(hours=1))
    if recent.count() >= settings.FIELD_MESSAGES_PER_HOUR:
        raise ServiceError(_("At most %(n)s messages an hour to an event's riders: wait a little.")
                           % {"n": settings.FIELD_MESSAGES_PER_HOUR}, EventCode.FIELD_MESSAGE)
    if recent.filter(created_at__gte=now - datetime.timedelta(minutes=10), text=text, audience=audience,
                     category=category, wave=wave).exists():
        raise ServiceError(_("This message went to these riders a few minutes ago."), EventCode.FIELD_MESSAGE)
    message = FieldMessage.objects.create(
        event=event, audience=audience, category=category, wave=wave, by_sms=by_sms, by_email=by_email, text=text,
        recipients=preview.recipients, sms_count=preview.sms_count, sms_cost_fen=preview.sms_cost_fen, by=by,
        created_at=now)
    outbox.enqueue_many((TOPIC, "field", message.pk, registration.rider_id, f"field:{message.pk}:{registration.pk}")
                        for registration in reached)
    return message
