"""Text messages (SMS) to mainland mobiles, through a backend chosen by settings.SMS_BACKEND:

- ``console`` (development default): the message is printed, codes included;
- ``memory`` (tests): kept in ``core.sms.sent``;
- ``alibaba``: Alibaba Cloud SMS (``alibabacloud-dysmsapi20170525``, SendSms);
- ``tencent``: Tencent Cloud SMS (``tencentcloud-sdk-python-sms``, SendSms 2021-01-11).

In China every message uses a template approved in advance, with the signature (签名) approved
with it: the template ids per kind and the signature name are settings (docs/accounts.md). A
message kind without a template is not sent by the cloud backends (e-mail carries it).

Limits (issue 27): every message is first claimed in the database ledger (core.models.SmsSent), so
the limits hold while Redis, which keeps allauth's own per-minute counters, is down: at most
SMS_DAILY_CAP_PER_NUMBER messages in 24 hours to one number; the messages a stranger can make us
send (a code, "this number has no account", "this number already has an account") at most
SMS_LIMITS' counts per number and per asking address; "no account" once a day per number (a
script cannot text arbitrary numbers through it). A code-sending loop or a hostile script cannot
run up the bill or flood a rider."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

log = logging.getLogger(__name__)
sent: list[Sms] = []  # the memory backend's outbox (tests read it, as Django's mail.outbox); console keeps 50


@dataclass(frozen=True)
class Sms:
    phone: str  # E.164: +8613812345678
    kind: str  # the template's key in SMS_TEMPLATES: code, confirmed, offer, reminder ...
    params: dict = field(default_factory=dict)  # the template's variables, in template order
    text: str = ""  # the same message in words (console, tests, the admin)
    address: str = ""  # the client address of the request that asked for it; empty for our own messages


class SmsError(Exception):
    """The provider refused or could not be reached; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsCapReached(SmsError):
    """A limit would be passed: `limit` names it ("number-day", "number", "address", "no_account")."""

    def __init__(self, limit: str = "number-day") -> None:
        super().__init__(f"SMS limit {limit} reached", permanent=True)
        self.limit = limit


# The messages anyone can make us send by typing a number: limited per number and per address.
ASKED_FOR = ("code", "no_account", "account_exists")
# Our own alerts to an organizer's emergency phone (a rider's SOS, issue 29): never held back by the
# daily cap per number (timing/services/tracking.py texts once a rider every few minutes)
UNCAPPED = ("sos",)


def template_for(kind: str) -> str:
    return str(settings.SMS_TEMPLATES.get(kind, ""))


def can_send(kind: str) -> bool:
    """Whether this kind of message can go by SMS here (a template, or a local backend)."""
    return settings.SMS_BACKEND in ("console", "memory") or bool(template_for(kind))


def _serialize(key: str) -> None:
    """Make claims on one key take turns until commit: PostgreSQL by an advisory transaction lock;
    SQLite already has one writer at a time (the ledger row is written before counting)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


Limit = tuple[str, int, int, Q]  # (name, count, seconds, which kinds of message it counts)


def _over(rows, limits: list[Limit], now) -> str | None:
    """The first limit the ledger rows (this claim included) pass, if any."""
    counts = rows.aggregate(**{f"n{i}": Count("pk", filter=Q(at__gt=now - timedelta(seconds=seconds)) & kinds)
                               for i, (_name, _count, seconds, kinds) in enumerate(limits)})
    return next((name for i, (name, count, _s, _k) in enumerate(limits) if counts[f"n{i}"] > count), None)


def claim(sms: Sms) -> str | None:
    """Record one message about to go and check every limit that applies to it; None when it may
    go, else the limit's name (and nothing is recorded). Safe under concurrency: claims on one
    number or one address take turns."""
    from core.models import SmsSent  # noqa: PLC0415 (models load after this module)

    limits: dict[str, Any] = settings.SMS_LIMITS
    asked, no_account = Q(kind__in=ASKED_FOR), Q(kind="no_account")
    by_number: list[Limit] = ([] if sms.kind in UNCAPPED
                              else [("number-day", settings.SMS_DAILY_CAP_PER_NUMBER, 86400, Q())])
    by_address: list[Limit] = []
    if sms.kind in ASKED_FOR:
        by_number.append(("number", *limits["number"], asked))
        if sms.address:
            by_address = [("address", *limit, asked) for limit in limits["address"]]
    if sms.kind == "no_account":
        by_number.append(("no_account", *limits["no_account_per_number"], no_account))
        if sms.address:
            by_address.append(("no_account", *limits["no_account_per_address"], no_account))
    now = timezone.now()
    with transaction.atomic():
        if sms.address:
            _serialize(f"sms:address:{sms.address}")
        _serialize(f"sms:number:{sms.phone}")
        SmsSent.objects.create(phone=sms.phone, address=sms.address or None, kind=sms.kind, at=now)
        over = (_over(SmsSent.objects.filter(phone=sms.phone), by_number, now)
                or (_over(SmsSent.objects.filter(address=sms.address), by_address, now) if by_address else None))
        if over is not None:
            transaction.set_rollback(True)  # a refused claim leaves no row
    return over


def ledger_prune() -> int:
    """Delete ledger rows older than every window (the sweep calls this)."""
    from core.models import SmsSent  # noqa: PLC0415

    return SmsSent.objects.filter(at__lt=timezone.now() - timedelta(days=2)).delete()[0]


def send(sms: Sms) -> None:
    """Send one message now, or raise SmsError (SmsCapReached past a limit)."""
    over = claim(sms)
    if over is not None:
        log.warning("SMS limit %s reached (kind %s)", over, sms.kind)
        raise SmsCapReached(over)
    backend = settings.SMS_BACKEND
    if backend == "memory":
        sent.append(sms)
    elif backend == "console":  # codes are secrets: printed only in development
        content = (sms.text or sms.params) if settings.DEBUG else f"({sms.kind}, not shown outside DEBUG)"
        print(f"[SMS to {sms.phone}] {content}", flush=True)
        sent.append(sms)  # the last few, for a developer's shell and the browser tests
        del sent[:-50]
    elif backend == "alibaba":
        _alibaba(sms)
    elif backend == "tencent":
        _tencent(sms)
    else:
        raise SmsError(f"unknown SMS_BACKEND {backend!r}", permanent=True)


def _require_template(sms: Sms) -> str:
    template = template_for(sms.kind)
    if not template:
        raise SmsError(f"no SMS template for {sms.kind!r}", permanent=True)
    return template


def _alibaba(sms: Sms) -> None:
    from alibabacloud_dysmsapi20170525 import models  # noqa: PLC0415 (loaded only when used)
    from alibabacloud_dysmsapi20170525.client import Client  # noqa: PLC0415
    from alibabacloud_tea_openapi import utils_models  # noqa: PLC0415
    from darabonba.runtime import RuntimeOptions  # noqa: PLC0415

    conf = settings.SMS_ALIBABA
    client = Client(utils_models.Config(access_key_id=conf["ACCESS_KEY_ID"],
                                        access_key_secret=conf["ACCESS_KEY_SECRET"], endpoint=conf["ENDPOINT"]))
    request = models.SendSmsRequest(phone_numbers=sms.phone.removeprefix("+86"), sign_name=settings.SMS_SIGN_NAME,
                                    template_code=_require_template(sms),
                                    template_param=json.dumps(sms.params, ensure_ascii=False))
    try:
        answer = client.send_sms_with_options(request, RuntimeOptions(connect_timeout=5000, read_timeout=10000))
    except Exception as exc:  # the SDK raises its own errors for network and HTTP failures
        raise SmsError(f"Alibaba Cloud SMS: {type(exc).__name__}") from exc
    code = answer.body.code if answer.body else ""
    if code != "OK":
        # flow control and throttling mend themselves; a bad number or template does not
        transient = code in ("isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling.User")
        raise SmsError(f"Alibaba Cloud SMS: {code} {answer.body.message if answer.body else ''}",
                       permanent=not transient)


def _tencent(sms: Sms) -> None:
    from tencentcloud.common import credential  # noqa: PLC0415 (loaded only when used)
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # noqa: PLC0415
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: PLC0415
    from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: PLC0415
    from tencentcloud.sms.v20210111 import models, sms_client  # noqa: PLC0415

    conf = settings.SMS_TENCENT
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=conf["ENDPOINT"], reqTimeout=10))
    client = sms_client.SmsClient(credential.Credential(conf["SECRET_ID"], conf["SECRET_KEY"]), conf["REGION"], profile)
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [sms.phone]
    request.SmsSdkAppId = conf["APP_ID"]
    request.SignName = settings.SMS_SIGN_NAME
    request.TemplateId = _require_template(sms)
    request.TemplateParamSet = [str(v) for v in sms.params.values()]  # Tencent's templates are positional
    try:
        answer = client.SendSms(request)
    except TencentCloudSDKException as exc:
        raise SmsError(f"Tencent Cloud SMS: {exc.code}",
                       permanent=str(exc.code).startswith(("InvalidParameter", "FailedOperation"))) from exc
    except Exception as exc:
        raise SmsError(f"Tencent Cloud SMS: {type(exc).__name__}") from exc
    status = answer.SendStatusSet[0] if answer.SendStatusSet else None
    if status is None or status.Code != "Ok":
        code = status.Code if status else "no status"
        raise SmsError(f"Tencent Cloud SMS: {code}", permanent="LimitExceeded" not in code)


def sent_in_the_last_hour() -> int:
    """Texts claimed in the last hour (the ledger): for the metrics."""
    from core.models import SmsSent  # noqa: PLC0415

    return SmsSent.objects.filter(at__gte=timezone.now() - timedelta(hours=1)).count()


def _numbers_of(user: Any) -> set[str]:
    return {number for number in (getattr(user, "phone", ""), getattr(user, "mobile", "")) if number}


def ledger_export(user: Any) -> list[dict]:
    """The texts of the last two days to the person's numbers (the ledger the limits count): the
    rider's data download."""
    from core.models import SmsSent  # noqa: PLC0415

    return [{"number": row.phone, "kind": row.kind, "at": row.at.isoformat()}
            for row in SmsSent.objects.filter(phone__in=_numbers_of(user)).order_by("at")]


def ledger_erase(user: Any) -> None:
    """An account deleted: the ledger forgets its numbers (and the addresses that asked for them)."""
    from core.models import SmsSent  # noqa: PLC0415

    SmsSent.objects.filter(phone__in=_numbers_of(user)).delete()
