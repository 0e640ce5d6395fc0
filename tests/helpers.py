"""Test helpers shared by several apps."""

import math


def make_gpx(points: int = 200, *, lat0: float = 37.05, lon0: float = 114.5, climb_m: float = 120.0,
             with_ele: bool = True, waypoints: str = "", name: str = "测试线路") -> bytes:
    rows = []
    for i in range(points):
        lat = lat0 + i * 0.0002
        lon = lon0 + 0.001 * math.sin(i / 15)
        ele = f"<ele>{100 + climb_m * i / points:.1f}</ele>" if with_ele else ""
        rows.append(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}">{ele}</trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<metadata><name>{name}</name></metadata>{waypoints}"
        f"<trk><trkseg>{''.join(rows)}</trkseg></trk></gpx>"
    ).encode()


def join(*, club, user, share_contact=True):
    """The rider joins by invitation: an admin invites, the rider accepts (the only way in for
    invite-only clubs), by default letting the admins see their contact details. Returns the active
    membership."""
    from clubs.services import membership_invitation_answer, membership_invite

    membership_invite(club=club, user=user)
    return membership_invitation_answer(club=club, user=user, accept=True, share_contact=share_contact)


def browser_form(html: str, *, containing: str) -> dict[str, str]:
    """The fields a browser posts for the <form method="post"> holding the field `containing`, untouched: text
    inputs with their value, ticked boxes only, each <select> with its selected (or first)
    option, textareas with their text."""
    from html.parser import HTMLParser

    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.forms: list[dict[str, str]] = []
            self.select: str | None = None
            self.first = True
            self.textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and (a.get("method") or "").lower() == "post":
                self.forms.append({})
            if not self.forms:
                return
            fields = self.forms[-1]
            if tag == "input" and a.get("name"):
                kind = (a.get("type") or "text").lower()
                if kind in ("checkbox", "radio"):
                    if "checked" in a:
                        fields[a["name"]] = a.get("value") or "on"
                elif kind not in ("submit", "button", "file"):
                    fields[a["name"]] = a.get("value") or ""
            elif tag == "select":
                self.select, self.first = a.get("name"), True
            elif tag == "option" and self.select:
                if self.first or "selected" in a:
                    fields[self.select] = a.get("value") or ""
                self.first = False
            elif tag == "textarea":
                self.textarea = a.get("name")
                fields[self.textarea] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            if tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea and self.forms:
                self.forms[-1][self.textarea] += data

    collector = Collector()
    collector.feed(html)
    return next(form for form in collector.forms if containing in form)


def race_started(event, *registrations, checked_in=True):
    """The event moved to have started an hour ago (results open once it starts) and the riders
    checked in (a time, DNF or DSQ only for one who did): the given registrations, else every
    confirmed one. Returns the event, reloaded."""
    import datetime

    from django.utils import timezone

    from events.models import Event, Registration

    now = timezone.now()
    length = max(event.ends_at - event.starts_at, datetime.timedelta(hours=1))
    Event.objects.filter(pk=event.pk).update(starts_at=now - datetime.timedelta(hours=1),
                                             ends_at=now - datetime.timedelta(hours=1) + length)
    if checked_in:
        chosen = (Registration.objects.filter(pk__in=[r.pk for r in registrations]) if registrations
                  else event.registrations.filter(status=Registration.Status.CONFIRMED))
        chosen.update(checked_in_at=now - datetime.timedelta(minutes=70))
    event.refresh_from_db()
    return event


def needs(present: object, what: str, where: str = "make test starts or .ci/run installs it") -> None:
    """Skip a test whose tool or service is missing on a developer's machine; fail it in CI, where
    its absence means the gate would pass without testing it."""
    import os

    import pytest

    if present:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {what} is missing ({where})")
    pytest.skip(f"{what} not available ({where})")


def waiting_for_a_lock() -> bool:
    """Whether a session of the test database waits for a lock (a row another transaction holds).
    pg_stat_activity is read afresh: inside a transaction it is otherwise the snapshot of its first
    reading, and a caller polling from inside one would never see the wait begin."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def sms_after_the_response(match, *, within: float = 5.0) -> list:
    """The text messages matching `match` once they have gone: inline (no Redis), a request's
    messages leave after its response (core.outbox drains on request_finished), so a browser can
    show the page before the live server's thread has sent them. Polls `core.sms.sent` for at most
    `within` seconds and returns what matched (empty if nothing came: the caller's assert fails)."""
    import time

    from core import sms

    deadline = time.monotonic() + within
    while True:
        found = [m for m in list(sms.sent) if match(m)]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.02)


def batched_reads(monkeypatch) -> list:
    """Record the chunk_size of every QuerySet.iterator() call from now on (a CSV that streams from
    the database reads it a batch at a time): the list it fills."""
    from django.db.models.query import QuerySet

    batches: list[int | None] = []
    real = QuerySet.iterator

    def counted(self, chunk_size=None):
        batches.append(chunk_size)
        return real(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", counted)
    return batches
