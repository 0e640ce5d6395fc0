"""Race day on site: check-in devices' scans, check-in helpers, timing chips, lost bibs and the
organizer's messages to the field."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models.event import Category, Event, Wave
from events.models.registration import Registration


class CheckinScan(models.Model):
    """One action a check-in device took, perhaps with no signal, as it sent it (issue 28): the nonce
    makes a resent batch change nothing, `at` is the scan's own time and `received_at` when it
    reached us; refused scans are kept with their reason (docs/raceday.md)."""

    class Action(models.TextChoices):
        PICKUP = "pickup", _("kit pick-up")
        CHECKIN = "checkin", _("check-in")
        REBIB = "rebib", _("new bib for a lost one")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("applied")
        REFUSED = "refused", _("refused")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="scans")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="scans")
    nonce = models.CharField(max_length=64)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    at = models.DateTimeField(_("scanned at"))
    device = models.CharField(_("device"), max_length=64, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    received_at = models.DateTimeField(_("received"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    bib = models.PositiveIntegerField(_("bib handed out"), null=True, blank=True)
    chips = models.CharField(_("chip tags handed out"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("check-in scan")
        verbose_name_plural = _("check-in scans")
        constraints = [models.UniqueConstraint(fields=["event", "nonce"], name="scan_once_per_event")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.nonce} {self.action} {self.outcome}"


class EventHelper(models.Model):
    """Someone the organizer's link let help on race day: checking riders in, and nothing else."""

    class Role(models.TextChoices):
        CHECKIN = "checkin", _("check-in helper")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="helpers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CHECKIN)
    added_at = models.DateTimeField(_("joined"))

    class Meta:
        verbose_name = _("event helper")
        verbose_name_plural = _("event helpers")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="one_helper_role_per_event")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.user_id} {self.role}"


class ChipTag(models.Model):
    """A timing chip's tag on a rider's entry (issue 28): one or two per entry, each unique in its event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="chips")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="chips")
    tag = models.CharField(_("chip tag"), max_length=32)
    created_at = models.DateTimeField(_("added"))

    class Meta:
        verbose_name = _("chip tag")
        verbose_name_plural = _("chip tags")
        constraints = [models.UniqueConstraint(fields=["event", "tag"], name="chip_tag_once_per_event")]

    def __str__(self) -> str:
        return self.tag


class LostBib(models.Model):
    """A bib number reported lost at race day (issue 28): its rider got another; the number is never
    given again in the event (a found bib must not time the wrong rider)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="lost_bibs")
    bib = models.PositiveIntegerField(_("bib"))
    registration = models.ForeignKey(Registration, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="lost_bibs")
    replaced_by = models.PositiveIntegerField(_("new bib"))
    at = models.DateTimeField(_("reported at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        verbose_name = _("lost bib")
        verbose_name_plural = _("lost bibs")
        constraints = [models.UniqueConstraint(fields=["event", "bib"], name="lost_bib_once_per_event")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.bib} -> {self.replaced_by}"


class FieldMessage(models.Model):
    """A message the organizer sent to the riders of an event (issue 28: messages to the field), kept
    on the event: to whom, by which channels, how many, the SMS estimate; each recipient's message is
    an outbox row keyed `field:<message>:<registration>` (sent once)."""

    class Audience(models.TextChoices):
        ALL = "all", _("every confirmed rider")
        CATEGORY = "category", _("the confirmed riders of one category")
        NOT_PICKED_UP = "not_picked_up", _("confirmed riders who have not picked up their kit")
        NOT_CHECKED_IN = "not_checked_in", _("confirmed riders not checked in yet")
        WAVE = "wave", _("the confirmed riders of one start wave")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="field_messages")
    audience = models.CharField(_("send to"), max_length=16, choices=Audience.choices)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("category"))
    wave = models.ForeignKey(Wave, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("start wave"))
    by_sms = models.BooleanField(_("by SMS"), default=True)
    by_email = models.BooleanField(_("by e-mail"), default=True)
    text = models.TextField(_("message"), max_length=300)
    recipients = models.PositiveIntegerField(_("recipients"))
    sms_count = models.PositiveIntegerField(_("text messages"))
    sms_cost_fen = models.PositiveIntegerField(_("SMS cost estimate (fen)"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("message to the field")
        verbose_name_plural = _("messages to the field")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.text[:40]}"
