"""Registration e-mails, written in the rider's language, with QR code and calendar file."""

from __future__ import annotations

import datetime
import io
from typing import Any

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import money, times
from core.i18n import localized
from core.sms import Sms, can_send
from events import ical
from events.models import EntryCode, Registration
from events.selectors import seat_due, waitlist_position
from events.services.checkin import checkin_code


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def build(registration: Registration, kind: str, to: Any = None) -> EmailMultiAlternatives:
    rider = to or registration.rider
    own = rider.pk == registration.rider_id  # someone else (a transfer's recipient) sees no code, no bib
    event = registration.event
    base = settings.SITE_URL.rstrip("/")
    event_url = base + reverse("events:detail", args=[event.slug])
    with translation.override(rider.language or settings.LANGUAGE_CODE):
        context = {
            "rider": rider, "event": event, "registration": registration if own else None, "kind": kind,
            "event_title": localized(event, "title"), "category_name": localized(registration.category, "name"),
            "event_url": event_url, "sender": registration.rider.public_name,
            "my_url": base + reverse("events:registration", args=[registration.pk]) if own else event_url,
            "code": checkin_code(registration) if own and registration.status == Registration.Status.CONFIRMED
            else "",
            "waitlist_position": waitlist_position(registration) if kind == "ballot_waitlisted" else None,
            "entry_code": (EntryCode.objects.filter(for_rider=rider, note__startswith="deferred from")
                           .select_related("event", "category").order_by("-pk").first()
                           if kind == "deferral_code" else None),
        }
        subject = render_to_string("events/mail/subject.txt", context).strip()
        body = render_to_string("events/mail/body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[rider.email])
    if context["code"] and kind in ("confirmed", "promoted", "transferred", "reminder", "team_entry"):
        message.attach("checkin-qr.png", qr_png(context["code"]), "image/png")
        message.attach("event.ics", ical.event_ics(event, base_url=base), "text/calendar")
    return message


def sms_for(registration: Registration, kind: str, to: Any = None) -> Sms | None:
    """The text message for a registration fact: short, in the rider's language, with the
    template's variables (event, time, code, amount, deadline); None for kinds that go by e-mail
    only or that no SMS template is approved for."""
    rider = to or registration.rider
    if not can_send(kind) or kind not in SMS_TEXTS:
        return None
    event = registration.event
    with translation.override(rider.language or settings.LANGUAGE_CODE):
        deadline = registration.hold_expires_at
        owed = seat_due(registration)  # the open order's amount (a code's price, a switch), else the seat's
        params = {
            "event": localized(event, "title")[:20],
            "time": times.when(start_of(registration, rider), event, "m-d H:i"),
            "code": checkin_code(registration) if registration.status == Registration.Status.CONFIRMED
            and rider.pk == registration.rider_id else "",
            "amount": money.yuan(owed["price_fen"] if owed["due_fen"] is None else owed["due_fen"]),
            "deadline": times.when(deadline, event, "m-d H:i"),
            "position": (waitlist_position(registration) or "") if kind.endswith("waitlisted") else "",
            "reason": (event.cancelled_reason or str(_("see the event page")))[:30],
        }
        if "code" in SMS_PARAMS[kind] and not params["code"]:  # the seat is no longer theirs or confirmed:
            return None  # no "check-in code: ." (the message that changed it follows)
        text = str(SMS_TEXTS[kind]) % params
    return Sms(phone=rider.phone, kind=kind, params={k: params[k] for k in SMS_PARAMS[kind]}, text=text)


def start_of(registration: Registration, rider: Any) -> datetime.datetime:
    """When this rider starts: their start wave's time (their own confirmed seat), else the event's."""
    own = rider.pk == registration.rider_id and registration.status == Registration.Status.CONFIRMED
    wave = registration.wave if own and registration.wave_id else None
    return wave.starts_at if wave is not None else registration.event.starts_at


SMS_TEXTS = {
    "confirmed": _("Registered for %(event)s on %(time)s. Check-in code: %(code)s."),
    "promoted": _("A seat is yours in %(event)s on %(time)s. Check-in code: %(code)s."),
    "awaiting_payment": _("A seat in %(event)s is held for you: pay ¥%(amount)s by %(deadline)s to keep it."),
    "offer": _("A seat in %(event)s is offered to you: pay ¥%(amount)s by %(deadline)s to take it."),
    "payment_lapsed": _("Your held seat in %(event)s was released: it was not paid in time."),
    "reminder": _("Tomorrow %(time)s: %(event)s. Check-in code: %(code)s."),
    "event_cancelled": _("%(event)s on %(time)s is cancelled: %(reason)s. Paid entry fees are refunded in full."),
    "team_entry": _("Your club entered you in %(event)s: confirm your place on the site."),
    "entered": _("You are entered in the ballot of %(event)s. We will tell you after the draw."),
    "transfer_offer": _("A seat in %(event)s is offered to you. Accept it on the event page with your own details."),
    "ballot_waitlisted": _("%(event)s ballot: not selected this time. You are number %(position)s on the waitlist."),
    "waitlisted": _("%(event)s is full: you are number %(position)s on the waitlist. We will text you if a seat "
                    "frees."),
    "cancelled": _("Your registration for %(event)s is cancelled. Any refund follows the event's policy: see the "
                   "site."),
    "group_entry": _("A friend holds a seat for you in %(event)s: confirm it on the site."),
    "deferred": _("Your seat in %(event)s is deferred to the next edition."),
    "deferral_code": _("Your seat in the next edition of %(event)s: the entry code is on the site."),
    "transferred": _("A seat in %(event)s on %(time)s is now yours. Check-in code: %(code)s."),
}
SMS_PARAMS = {  # the variables each approved template takes, in order (Tencent's are positional)
    "confirmed": ("event", "time", "code"), "promoted": ("event", "time", "code"),
    "awaiting_payment": ("event", "amount", "deadline"), "offer": ("event", "amount", "deadline"),
    "payment_lapsed": ("event",), "reminder": ("time", "event", "code"), "event_cancelled": ("event", "time", "reason"),
    "team_entry": ("event",), "entered": ("event",), "ballot_waitlisted": ("event", "position"),
    "transfer_offer": ("event",), "waitlisted": ("event", "position"), "cancelled": ("event",),
    "group_entry": ("event",), "deferred": ("event",), "deferral_code": ("event",),
    "transferred": ("event", "time", "code"),
}
