"""Registration e-mails: the outbox renderer, and the day-before reminders (queued once each)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import message_channels
from core import outbox
from core.i18n import localized
from core.models import Outbox
from core.sms import Sms
from events.mail import build, sms_for
from events.models import EntryDocument, Event, FieldMessage, Registration
from events.services.field import number_of
from events.services.field import sms_text as field_sms_text
from events.services.outbox import TOPIC


def render(row: Outbox) -> list[EmailMessage | Sms] | None:
    """The messages an outbox row stands for, by the channels the rider chose (e-mail, SMS or
    both, among those they have); None when the row is gone or there is no way to reach them."""
    registration = (Registration.objects.select_related("rider", "event", "category")
                    .filter(pk=row.object_id).first())
    if registration is None:
        return None
    person = row.recipient or registration.rider  # a transfer offer goes to its recipient
    channels = message_channels(person)
    messages: list[EmailMessage | Sms] = []
    if "email" in channels:
        messages.append(build(registration, row.kind, to=person))
    text = sms_for(registration, row.kind, to=person) if "sms" in channels else None
    if text is not None:
        messages.append(text)
    return messages or None


def render_field(row: Outbox) -> list[EmailMessage | Sms] | None:
    """A message to the field for one rider, by the channels the organizer chose among those the
    rider has (services/field.py); None when the message or the rider is gone."""
    message = FieldMessage.objects.select_related("event").filter(pk=row.object_id).first()
    person = row.recipient
    if message is None or person is None:
        return None
    messages: list[EmailMessage | Sms] = []
    with translation.override(person.language or settings.LANGUAGE_CODE):
        title = localized(message.event, "title")
        if message.by_email and person.email:
            subject = _("%(event)s: a message from the organizer") % {"event": title}
            messages.append(EmailMessage(subject, message.text, to=[person.email]))
    if message.by_sms and number_of(person):
        messages.append(Sms(phone=number_of(person), kind="field", text=field_sms_text(message.event, message.text),
                            params={"event": title[:20], "content": message.text}))
    return messages or None


def render_document(row: Outbox) -> list[EmailMessage | Sms] | None:
    """A document approved or refused (with the reason), to its rider by the channels they chose;
    the link leads back to the event's page, where a refused one is sent again."""
    document = EntryDocument.objects.select_related("event", "rider").filter(pk=row.object_id).first()
    if document is None:
        return None
    person = document.rider
    channels = message_channels(person)
    messages: list[EmailMessage | Sms] = []
    with translation.override(person.language or settings.LANGUAGE_CODE):
        params = {"event": localized(document.event, "title")[:20], "document": document.get_kind_display(),
                  "reason": document.reason[:60]}
        if document.status == EntryDocument.Status.APPROVED:
            text = _("%(event)s: your %(document)s is approved; you may sign up now.") % params
        else:
            text = _("%(event)s: your %(document)s was refused: %(reason)s. Send another on the event page.") % params
        link = f"{settings.SITE_URL}{reverse('events:detail', args=[document.event.slug])}"
        if "email" in channels and person.email:
            messages.append(EmailMessage(text[:78], f"{text}\n\n{link}", to=[person.email]))
        if "sms" in channels and number_of(person):
            messages.append(Sms(phone=number_of(person), kind="document", text=text, params=params))
    return messages or None


def recipient(row: Outbox) -> object:
    """Whom a registration message is for (the admin's "to" column): the rider holding the seat."""
    registration = Registration.objects.select_related("rider").filter(pk=row.object_id).first()
    return registration.rider if registration else None


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Queue a reminder for every confirmed rider of events starting tomorrow (Asia/Shanghai); the
    key (registration, start time) queues each once however often this runs. Returns how many
    were new."""
    today = timezone.localtime(now or timezone.now()).date()
    tomorrow = today + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    rows = Registration.objects.filter(
        event__status=Event.Status.PUBLISHED, event__starts_at__gte=start, event__starts_at__lt=end,
        status=Registration.Status.CONFIRMED,
    ).values_list("pk", "event__starts_at")
    return outbox.enqueue_keyed({f"reminder:{pk}:{starts.isoformat()}": (TOPIC, "reminder", pk) for pk, starts in rows})
