"""What an operator watches (issue 27): a request id on every request, carried into every log line
and into the Celery tasks the request queues; log lines as JSON; request counts and latencies for
Prometheus; errors to a Sentry-compatible tracker when SENTRY_DSN is set, personal data scrubbed.
The platform's own gauges (outbox, queue, orders, refunds, heartbeat, SMS) are read at scrape time
by cycling/metrics.py."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

request_id: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")  # nginx's $request_id is 32 hex digits

REQUESTS = Counter("cycling_http_requests", "Requests answered, by method, route and status",
                   ["method", "route", "status"])
LATENCY = Histogram("cycling_http_request_seconds", "Time to answer a request, by method and route",
                    ["method", "route"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: takes the proxy's X-Request-ID (nginx sets $request_id) when it looks
    like one, or makes one; every log line of the request carries it, the answer echoes it, tasks
    queued by the request take it along. Counts the request and its latency by route pattern (the
    URL pattern, never the path: a bounded set of labels)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID_ID.fullmatch(given) else new_request_id()
        request_id.set(rid)  # until request_finished (Django logs a 4xx/5xx after the middleware returns)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "unmatched"
        method = request.method if request.method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD") else "OTHER"
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        LATENCY.labels(method, route).observe(time.perf_counter() - started)
        return response


def _request_finished(**kwargs: Any) -> None:
    request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or the task's) on every log record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# -- Celery: the request id travels in the task message's headers ---------------------------------

def _publish(headers: dict | None = None, **kwargs: Any) -> None:
    if headers is not None and request_id.get() != "-":
        headers.setdefault("request_id", request_id.get())


_task_tokens: dict[str, Any] = {}


def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    rid = getattr(task.request, "request_id", None) if task is not None else None
    if not rid and request_id.get() != "-":
        return  # run inline inside a request: it already carries the request's id
    _task_tokens[str(task_id)] = request_id.set(rid if rid and _VALID_ID.fullmatch(str(rid)) else new_request_id())


def _task_ended(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(str(task_id), None)
    if token is not None:
        request_id.reset(token)


def connect() -> None:
    """The request id ends with its request and travels with the tasks it queues."""
    from celery import signals  # noqa: PLC0415
    from django.core.signals import request_finished  # noqa: PLC0415

    request_finished.connect(_request_finished, weak=False, dispatch_uid="core.observability.finished")
    signals.before_task_publish.connect(_publish, weak=False, dispatch_uid="core.observability.publish")
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="core.observability.prerun")
    signals.task_postrun.connect(_task_ended, weak=False, dispatch_uid="core.observability.postrun")


# -- Sentry ------------------------------------------------------------------------------------------

SCRUBBED = "[scrubbed]"
# keys whose values are personal or secret wherever they appear in an event
_SENSITIVE_KEYS = re.compile(r"phone|mobile|national|id_number|idcard|email|password|passwd|secret|token|code|"
                             r"openid|name|address|birth|guardian|emergency|cookie|authorization|session|csrf|"
                             r"signature|key", re.I)
_SENSITIVE_TEXT = [
    re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)"),  # mainland mobile numbers
    re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),  # resident ID numbers
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # e-mail addresses
]


def scrub_text(text: str) -> str:
    for pattern in _SENSITIVE_TEXT:
        text = pattern.sub(SCRUBBED, text)
    return text


def scrub(value: Any, key: str = "") -> Any:
    """A copy of an event (or any part of one) with personal data replaced: values under a
    sensitive key, and numbers, ID numbers and e-mail addresses inside any text."""
    if key and _SENSITIVE_KEYS.search(key) and not isinstance(value, (dict, list)):
        return SCRUBBED
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


# the parts of a Sentry event that are structure, not data: kept as they are
_STRUCTURE = ("event_id", "timestamp", "platform", "level", "logger", "server_name", "release", "environment",
              "sdk", "modules", "contexts", "tags", "fingerprint", "transaction", "type")


def before_send(event: dict, hint: dict) -> dict:
    """sentry-sdk's hook: tag the request id, scrub the rest."""
    tags = dict(event.get("tags") or {})
    tags["request_id"] = request_id.get()
    clean = {k: (v if k in _STRUCTURE else scrub(v, k)) for k, v in event.items()}
    clean["tags"] = tags
    clean.pop("user", None)  # never who it was: the request id finds the log lines
    return clean


def init_sentry(dsn: str, *, environment: str, release: str = "") -> None:
    import sentry_sdk  # noqa: PLC0415 (only when a DSN is set)

    sentry_sdk.init(dsn=dsn, environment=environment, release=release or None, send_default_pii=False,
                    include_local_variables=False, max_request_body_size="never", traces_sample_rate=0.0,
                    before_send=before_send)  # type: ignore[arg-type]
