"""The outbox: every message (e-mail, SMS) is a row written with the fact it tells about, sent after
commit.

Apps register a renderer per topic (in their AppConfig.ready) that turns a row into the messages
for the channels the recipient chose (an EmailMessage, a core.sms.Sms, or a list of both), or
None when there is nothing to send (no address, the object is gone). Each channel is sent once:
the row records the channels done, so a retry after one channel failed sends only the other. The
sender
takes one row at a time in its own transaction (SKIP LOCKED, so workers split the rows), sends
and marks it there. A permanent failure (a bad header, a refused recipient, a template error)
marks the row failed with its error; a transient one (SMTP down, a timeout) retries with backoff;
either way the other rows go on. The kick after commit is best-effort: beat drains the rest."""

from __future__ import annotations

import datetime
import logging
import smtplib
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from core import sms
from core.models import Outbox
from core.queue import task_queue_best_effort

log = logging.getLogger(__name__)

SEND_TASK = "core.send_outbox"  # core/tasks.py
KICK_INTERVAL = 1.0
MAX_ATTEMPTS = 8
BACKOFF_FIRST = 60  # seconds; doubles per attempt, at most BACKOFF_MAX
BACKOFF_MAX = 3600
Message = EmailMessage | sms.Sms
Renderer = Callable[[Outbox], Message | list[Message] | None]
_renderers: dict[str, Renderer] = {}  # RENDERED is added below
_last_kick = 0.0


_recipients: dict[str, Callable[[Outbox], object]] = {}


def register(topic: str, renderer: Renderer, *, recipient: Callable[[Outbox], object] | None = None) -> None:
    """`recipient(row)`: the person a row of this topic is for when the row does not name one (the
    admin's "to" column)."""
    _renderers[topic] = renderer
    if recipient is not None:
        _recipients[topic] = recipient


def recipient_of(row: Outbox) -> object:
    if row.recipient_id:
        return row.recipient
    resolve = _recipients.get(row.topic)
    return resolve(row) if resolve else None


def enqueue(topic: str, kind: str, object_id: int, *, recipient_id: int | None = None, key: str | None = None) -> None:
    """One message, in the caller's transaction; sent once it commits."""
    enqueue_many([(topic, kind, object_id, recipient_id, key)])


def enqueue_many(rows: Iterable[tuple[str, str, int, int | None, str | None]]) -> None:
    """Many messages at once; a row whose key was queued before is skipped (reminders rerun)."""
    now = timezone.now()
    objs = [Outbox(topic=t, kind=k, object_id=o, recipient_id=r, key=key, created_at=now, next_attempt_at=now)
            for t, k, o, r, key in rows]
    if objs:
        Outbox.objects.bulk_create(objs, ignore_conflicts=True)
        kick_on_commit()


RENDERED = "core.rendered"  # rows that carry their message (enqueue_message)


def enqueue_message(message: EmailMessage, *, kind: str) -> None:
    """A message already rendered (allauth's), one row per recipient, sent like every other."""
    html = next((content for content, mimetype in getattr(message, "alternatives", [])
                 if mimetype == "text/html"), "")
    now = timezone.now()
    Outbox.objects.bulk_create([Outbox(
        topic=RENDERED, kind=kind[:20], object_id=0, created_at=now, next_attempt_at=now,
        payload={"subject": message.subject, "body": message.body, "html": html, "to": [to],
                 "from": message.from_email}) for to in message.to])
    kick_on_commit()


def _render_payload(row: Outbox) -> EmailMessage | None:
    data = row.payload
    if not data.get("to"):
        return None
    message = EmailMultiAlternatives(subject=data["subject"], body=data["body"], to=data["to"],
                                     from_email=data.get("from") or None)
    if data.get("html"):
        message.attach_alternative(data["html"], "text/html")
    return message


def enqueue_keyed(rows: dict[str, tuple[str, str, int]]) -> int:
    """Messages that must go once per key ({key: (topic, kind, object_id)}: reminders a daily job
    may queue again); returns how many keys were new."""
    new = sorted(set(rows) - set(Outbox.objects.filter(key__in=list(rows)).values_list("key", flat=True)))
    enqueue_many((*rows[key], None, key) for key in new)
    return len(new)


def kick_on_commit(*, committed: bool = False) -> None:
    """Have the rows queued sent once the writing transaction commits; `committed`: it has (a
    statement in autocommit, its own transaction), so now, without asking the connection."""
    if committed:
        _kick()
    else:
        transaction.on_commit(_kick)


_drain = threading.local()


def _drain_after_response(**kwargs: object) -> None:
    """request_finished: the response has gone out; send what the request queued (inline mode)."""
    if getattr(_drain, "pending", False):
        _drain.pending = False
        task_queue_best_effort(SEND_TASK)


def _kick() -> None:
    """Queue the sender at most once per KICK_INTERVAL per process: a sign-up rush queues a few
    tasks a second, not one per rider; the task waits out the interval and sends every row due.
    Inline (no Redis: tasks run in the process), a request's messages are sent once its response
    has gone out, not before it (issue 27: a ballot draw of 5,000 sent 19,143 messages inside the
    request, 31 s); outside a request (a command, a task) they are sent at once."""
    global _last_kick
    if settings.CELERY_TASK_ALWAYS_EAGER:
        from core.observability import request_id  # noqa: PLC0415 (set while a request runs)

        if request_id.get() != "-":
            _drain.pending = True
            return
        task_queue_best_effort(SEND_TASK)
        return
    now = time.monotonic()
    if now - _last_kick >= KICK_INTERVAL:
        _last_kick = now
        task_queue_best_effort(SEND_TASK, countdown=KICK_INTERVAL)


def permanent(exc: BaseException) -> bool:
    """Errors a retry cannot mend: bad input (BadHeaderError is a ValueError), refused recipients,
    5xx answers. Connection trouble and timeouts are transient."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, sms.SmsError):
        return exc.permanent
    return not isinstance(exc, OSError | smtplib.SMTPException)


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX))


def _send_one(pk: int) -> str | None:
    """Send one row in its own transaction; returns its new status, None when another worker has it."""
    with transaction.atomic():
        row = Outbox.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Outbox.Status.PENDING).first()
        if row is None:
            return None
        now = timezone.now()
        message: object = None
        try:
            with transaction.atomic():  # a database error while rendering leaves the row writable
                rendered = _renderers[row.topic](row)
                messages = rendered if isinstance(rendered, list) else [rendered] if rendered is not None else []
                message = messages or None
                for one in messages:
                    channel = "sms" if isinstance(one, sms.Sms) else "email"
                    if channel in row.done:
                        continue  # sent on an earlier attempt
                    if isinstance(one, sms.Sms):
                        sms.send(one)
                    else:
                        one.send()
                    row.done = [*row.done, channel]
        except Exception as exc:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if permanent(exc) or row.attempts >= MAX_ATTEMPTS:
                row.status = Outbox.Status.FAILED
                log.warning("outbox %s failed for good: %s", row.pk, row.last_error)
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                log.info("outbox %s will retry at %s: %s", row.pk, row.next_attempt_at, row.last_error)
        else:
            row.attempts += 1
            row.status = Outbox.Status.SENT if message is not None else Outbox.Status.SKIPPED
            row.sent_at = now
            row.payload = {}  # a one-time link is not kept once it went out
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at", "payload", "done"])
        return row.status


def send_due(*, batch: int = 200) -> int:
    """Send every row that is due; returns how many e-mails went out. Concurrent runs split the
    rows; a rerun sends nothing twice."""
    sent = 0
    while True:
        ids = list(Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=timezone.now())
                   .order_by("created_at", "pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return sent
        outcomes = [_send_one(pk) for pk in ids]
        sent += outcomes.count(Outbox.Status.SENT)
        if all(o is None for o in outcomes):  # every row is being sent by another worker
            return sent


register(RENDERED, _render_payload)


def retry_failed(*, ids: Iterable[int]) -> int:
    """Staff put failed messages back in the queue (after fixing the cause)."""
    count = Outbox.objects.filter(pk__in=list(ids), status=Outbox.Status.FAILED).update(
        status=Outbox.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    if count:
        kick_on_commit()
    return count


def backlog() -> tuple[int, float | None]:
    """(messages pending, seconds the oldest has waited since it was queued): for the metrics."""
    from django.db.models import Count, Min  # noqa: PLC0415

    found = Outbox.objects.filter(status=Outbox.Status.PENDING).aggregate(n=Count("pk"), oldest=Min("created_at"))
    oldest = found["oldest"]
    return found["n"], (timezone.now() - oldest).total_seconds() if oldest else None
