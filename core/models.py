"""Tables shared by every app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    """One message to one person, written in the same transaction as the fact it tells about.

    core.outbox sends each row in its own transaction and marks it there, so a message is sent
    once, a rolled-back fact sends nothing, and a message that cannot be sent is marked failed
    (with its error, for staff) without holding up the others."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Nothing to send")
        FAILED = "failed", _("Failed")

    topic = models.CharField(_("topic"), max_length=40)  # the renderer registered in core.outbox
    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.BigIntegerField(_("object"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+", db_index=False)  # partial index below: most rows have none
    key = models.CharField(_("key"), max_length=120, unique=True, null=True, blank=True)  # once per fact
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    # a message rendered when it was queued (allauth's account e-mails): subject, body, html, to;
    # cleared once sent, since it may hold a one-time link
    payload = models.JSONField(default=dict, blank=True)
    done = models.JSONField(default=list, blank=True)  # channels sent ("email", "sms"): each once
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"),
                                name="outbox_due"),
                   models.Index(fields=["recipient"], condition=models.Q(recipient__isnull=False),
                                name="outbox_recipient")]

    def __str__(self) -> str:
        return f"{self.topic}:{self.kind} {self.object_id}"


class StatusChange(models.Model):
    """One status move of a registration, order, refund, transfer offer ... (core.transitions):
    what moved, from what to what, who moved it (empty: the platform, a job or a provider), when
    and why. The organizer's and support's history of a seat and its money."""

    subject = models.CharField(_("what"), max_length=40)  # the model's label: "events.registration"
    object_id = models.BigIntegerField(_("which"))
    from_status = models.CharField(_("from"), max_length=20, blank=True)  # empty: created in to_status
    to_status = models.CharField(_("to"), max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    why = models.CharField(_("why"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["subject", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id}: {self.from_status or '-'} → {self.to_status}"


class SmsSent(models.Model):
    """One text message claimed for sending (core.sms.claim): the ledger every SMS limit counts.
    It lives in the database so the limits hold while Redis (allauth's counters) is down; rows
    older than the longest window are deleted by the sweep."""

    phone = models.CharField(_("number"), max_length=20)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)  # who asked: empty for our own
    kind = models.CharField(_("kind"), max_length=20)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("text message sent")
        verbose_name_plural = _("text messages sent")
        indexes = [models.Index(fields=["phone", "at"], name="smssent_phone"),
                   models.Index(fields=["address", "at"], name="smssent_address"),
                   models.Index(fields=["at"], name="smssent_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
