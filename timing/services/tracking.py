"""Rider tracking and SOS (opt-in, per event): a rider of an event with tracking on shares their
phone's position every few minutes while the event runs (the phone keeps them with no signal and
sends them later); the SOS button sends the position to the organizer's emergency phone by SMS and
puts it on the live page. Positions are seen only by the organizers and through a share link the
rider makes and revokes; they are erased `positions_kept_days` after the event (beat, daily), when
the rider stops sharing, and with the account."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.errors import ServiceError
from events.models import Event, Registration
from timing.errors import TimingCode
from timing.models import Position, Timing, Tracker

SOS_TOPIC = "timing.sos"
SOS_SMS_EVERY = dt.timedelta(minutes=5)  # a rider pressing SOS again within this records the place, texts once
MAX_POSITIONS = 500  # a batch: ~24 hours at one every 3 minutes
MAX_KEPT = 5_000  # a rider's positions at one event: 10 days at one a minute (a phone sending more is refused)
EARLY, LATE = dt.timedelta(hours=2), dt.timedelta(hours=6)  # the window around the event positions may fall in


@dataclass(frozen=True)
class Fix:
    at: dt.datetime
    lat: float
    lon: float
    accuracy_m: float | None = None


def _tracking(registration: Registration) -> Timing:
    timing = Timing.objects.filter(event_id=registration.event_id, tracking=True).first()
    if timing is None or registration.status != Registration.Status.CONFIRMED:
        raise ServiceError(_("This event does not take riders' positions."), TimingCode.TRACKING_OFF)
    return timing


def _in_window(event: Event, fix: Fix, now: dt.datetime) -> bool:
    return (event.starts_at - EARLY <= fix.at <= max(event.ends_at, event.starts_at) + LATE
            and fix.at <= now + dt.timedelta(minutes=5) and -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180)


@transaction.atomic
def tracking_start(*, registration: Registration) -> Tracker:
    _tracking(registration)
    tracker, _made = Tracker.objects.get_or_create(registration=registration,
                                                   defaults={"started_at": timezone.now()})
    return tracker


@transaction.atomic
def tracking_stop(*, registration: Registration) -> int:
    """The rider stops sharing: the consent, the share link and every position (not the SOS calls,
    which the organizers keep until the retention ends) go. Returns the positions erased."""
    Tracker.objects.filter(registration=registration).delete()
    return Position.objects.filter(registration=registration, sos=False).delete()[0]


@transaction.atomic
def share_link_make(*, registration: Registration) -> str:
    tracker = Tracker.objects.select_for_update().filter(registration=registration).first()
    if tracker is None:
        raise ServiceError(_("Share your position first."), TimingCode.TRACKING_OFF)
    tracker.share_token = secrets.token_urlsafe(18)
    tracker.save(update_fields=["share_token"])
    return tracker.share_token


def share_link_revoke(*, registration: Registration) -> None:
    Tracker.objects.filter(registration=registration).update(share_token="")


def positions_record(*, registration: Registration, fixes: list[Fix]) -> int:
    """Positions the phone kept (sent again after a lost link: each once). Outside the event's window
    or the globe they are refused together. Returns how many were new."""
    _tracking(registration)
    if not Tracker.objects.filter(registration=registration).exists():
        raise ServiceError(_("Share your position first."), TimingCode.TRACKING_OFF)
    if len(fixes) > MAX_POSITIONS:
        raise ServiceError(_("At most %(n)s positions at once.") % {"n": MAX_POSITIONS}, TimingCode.TOO_MANY)
    now, event = timezone.now(), registration.event
    if not all(_in_window(event, fix, now) for fix in fixes):
        raise ServiceError(_("These positions are not from the event's day."), TimingCode.POSITION_INVALID)
    moments = {f.at for f in fixes}
    if Position.objects.filter(registration=registration, sos=False).count() + len(moments) > MAX_KEPT:
        raise ServiceError(_("%(n)s positions are kept for a rider at an event: no more are taken.")
                           % {"n": f"{MAX_KEPT:,}"}, TimingCode.TOO_MANY)
    known = Position.objects.filter(registration=registration, sos=False, at__in=moments).count()
    Position.objects.bulk_create(
        [Position(event=event, registration=registration, at=f.at, lat=f.lat, lon=f.lon, accuracy_m=f.accuracy_m,
                  received_at=now) for f in fixes], ignore_conflicts=True)
    return len(moments) - known


@transaction.atomic
def sos_send(*, registration: Registration, fix: Fix) -> Position:
    """The SOS button: the place on the live page at once and, once every few minutes, an SMS to the
    organizer's emergency phone with the rider's bib, name, mobile and the place."""
    timing = _tracking(registration)
    now = timezone.now()
    if not _in_window(registration.event, fix, now):
        raise ServiceError(_("These positions are not from the event's day."), TimingCode.POSITION_INVALID)
    texted_lately = Position.objects.filter(registration=registration, sos=True,
                                            received_at__gte=now - SOS_SMS_EVERY).exists()
    position, _made = Position.objects.get_or_create(
        registration=registration, at=fix.at, sos=True,
        defaults={"event": registration.event, "lat": fix.lat, "lon": fix.lon, "accuracy_m": fix.accuracy_m,
                  "received_at": now})
    if timing.emergency_phone and not texted_lately:
        outbox.enqueue(SOS_TOPIC, "sos", position.pk)
    return position


def positions_erase_expired(*, now: dt.datetime | None = None) -> int:
    """Positions (SOS calls included) and consents of events that ended more than their kept days ago."""
    now = now or timezone.now()
    erased = 0
    for timing in Timing.objects.select_related("event").filter(event__ends_at__lt=now):
        if timing.event.ends_at + dt.timedelta(days=timing.positions_kept_days) < now:
            erased += Position.objects.filter(event=timing.event).delete()[0]
            Tracker.objects.filter(registration__event=timing.event).delete()
    return erased
