"""Timing (issue 29): checkpoints along an event's routes with their closing times, the passings the
timing systems send, the organizer's rulings and corrections, and each rider's result as the passings
give it (kept up to date as they arrive)."""

import datetime
from collections.abc import Mapping

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import one_line
from events.models import Category, Event, Registration


class Timing(models.Model):
    """An event's timing settings: one row, made with its first checkpoint."""

    class RankBy(models.TextChoices):
        CHIP = "chip", _("chip time (from the rider's own start)")
        GUN = "gun", _("gun time (from the wave's start)")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="timing")
    min_gap_seconds = models.PositiveIntegerField(
        _("reads within (s) count once"), default=60,
        help_text=_("Reads of one rider at one timing point closer together than this are one passing."))
    rank_by = models.CharField(_("rank by"), max_length=4, choices=RankBy.choices, default=RankBy.CHIP)
    age_groups = models.CharField(
        _("age groups"), max_length=120, default="18-29, 30-39, 40-49, 50-59, 60-",
        help_text=_("Ages on the event's day, e.g. 18-29, 30-39, 40-49, 50-."))
    # rider tracking (opt-in per rider) and the SOS button
    tracking = models.BooleanField(_("riders may share their position"), default=False)
    emergency_phone = models.CharField(_("emergency phone (SOS messages)"), max_length=20, blank=True)
    positions_kept_days = models.PositiveSmallIntegerField(_("positions kept (days after the event)"), default=7)
    changed_at = models.DateTimeField(null=True, editable=False)  # the results last changed (pages poll it)

    class Meta:
        verbose_name = _("timing")
        verbose_name_plural = _("timing")

    def __str__(self) -> str:
        return f"timing {self.event_id}"


class Checkpoint(models.Model):
    class Kind(models.TextChoices):
        START = "start", _("Start")
        SPLIT = "split", _("Timing point")
        FEED = "feed", _("Feed station")
        FINISH = "finish", _("Finish")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkpoints")
    route_version = models.ForeignKey("routes.RouteVersion", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("route"))
    name = models.CharField(_("name"), max_length=40, validators=[one_line])
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SPLIT)
    distance_m = models.PositiveIntegerField(_("distance along the route (m)"))
    point = models.CharField(
        _("timing point"), max_length=40, validators=[one_line],
        help_text=_("The name the timing system gives this place (its location, or the name you give its "
                    "decoder's file). Checkpoints on one mat, such as a loop's start and finish, share it."))
    lat = models.FloatField(null=True, editable=False)
    lon = models.FloatField(null=True, editable=False)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["event", "route_version", "distance_m", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "route_version", "name"], name="checkpoint_name_once_a_route"),
            models.UniqueConstraint(fields=["event", "route_version", "distance_m"],
                                    name="checkpoint_distance_once_a_route"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def km(self) -> float:
        return self.distance_m / 1000


def closed_ahead(course: list[Checkpoint], *, passed: set[int], last_m: int, category_id: int,
                 closings: Mapping[tuple[int, int], datetime.datetime], now: datetime.datetime) -> Checkpoint | None:
    """The first checkpoint ahead of a rider still out (beyond `last_m`, not passed) whose closing time
    for their category has come: where they are DNF. The recount and the pages (between recounts)
    apply the one rule."""
    return next((c for c in course if c.distance_m > last_m and c.pk not in passed
                 and (closes := closings.get((c.pk, category_id))) is not None and closes <= now), None)


class Closing(models.Model):
    """A checkpoint's closing time (关门时间) for one category."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="closings")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    closes_at = models.DateTimeField(_("closes at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkpoint", "category"], name="one_closing_a_category")]

    def __str__(self) -> str:
        return f"{self.checkpoint_id}/{self.category_id} {self.closes_at:%H:%M}"


class Passing(models.Model):
    """A chip's read at a timing point, as a decoder, a forwarder, a file or a person gave it: keyed by
    device and passing key, so the same passing sent again is one row."""

    class Source(models.TextChoices):
        RACERESULT = "raceresult", "RACE RESULT"
        MYLAPS = "mylaps", "MYLAPS"
        CHRONOTRACK = "chronotrack", "ChronoTrack"
        CSV = "csv", "CSV"
        API = "api", _("pushed")
        MANUAL = "manual", _("added by the organizer")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="passings")
    device = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    number = models.BigIntegerField(null=True)  # the device's passing number (where to resume)
    source = models.CharField(max_length=12, choices=Source.choices)
    point = models.CharField(max_length=40)
    code = models.CharField(max_length=32)  # chip tag or bib as sent
    at = models.DateTimeField()
    registration = models.ForeignKey(Registration, on_delete=models.SET_NULL, null=True, related_name="passings")
    received_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True)  # deleted by a correction: kept, no longer counted

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "device", "key"], name="passing_once_a_device")]
        indexes = [models.Index(fields=["event", "registration", "at"], name="passing_rider"),
                   models.Index(fields=["event", "device", "number"], name="passing_resume")]

    def __str__(self) -> str:
        return f"{self.code}@{self.point} {self.at:%H:%M:%S}"


class Ruling(models.Model):
    """The organizer's word on a rider's race: withdrawn at a checkpoint (a helper took them off the
    course) or disqualified. It outranks what the passings say until it is lifted."""

    class Status(models.TextChoices):
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DSQ = "dsq", _("Disqualified")

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="ruling")
    status = models.CharField(max_length=10, choices=Status.choices)
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.registration_id} {self.status}"


class Correction(models.Model):
    """Who changed what of the timing and why (a passing added, moved or deleted; a ruling set or lifted)."""

    class Action(models.TextChoices):
        ADD = "add", _("passing added")
        MOVE = "move", _("passing moved")
        DELETE = "delete", _("passing deleted")
        RULING = "ruling", _("status set")
        LIFT = "lift", _("status lifted")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.SET_NULL, null=True, related_name="+")
    passing = models.ForeignKey(Passing, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    detail = models.CharField(max_length=200)
    reason = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"


class Result(models.Model):
    """A rider's race as the passings and rulings give it, rewritten when either changes. A rider
    still on course whose next checkpoint has closed is shown as DNF by the pages until the next
    recount writes it (a GET never writes)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ON_COURSE = "on_course", _("On course")
        FINISHED = "finished", _("Finished")
        DNF = "dnf", _("Did not finish")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DSQ = "dsq", _("Disqualified")

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="timing_result")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    last_checkpoint = models.ForeignKey(Checkpoint, on_delete=models.SET_NULL, null=True, related_name="+")
    last_at = models.DateTimeField(null=True)
    missed = models.ForeignKey(Checkpoint, on_delete=models.SET_NULL, null=True, related_name="+")  # DNF where
    started_at = models.DateTimeField(null=True)  # the rider's own start (chip time counts from it)
    gun_seconds = models.PositiveIntegerField(null=True)
    chip_seconds = models.PositiveIntegerField(null=True)
    splits = models.JSONField(default=dict)  # checkpoint id -> seconds since the gun
    gender = models.CharField(max_length=12, blank=True)
    age_group = models.CharField(max_length=12, blank=True)
    rank = models.PositiveIntegerField(null=True)  # in the category
    rank_gender = models.PositiveIntegerField(null=True)
    rank_age = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["event", "category", "rank"], name="result_rank")]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.status}"


class Tracker(models.Model):
    """A rider's consent to share their phone's position with the organizers during one event, and
    the share link they control (empty: none)."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="tracker")
    share_token = models.CharField(max_length=32, blank=True, db_index=True)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"tracker {self.registration_id}"


class Position(models.Model):
    """A place a rider's phone shared (recorded on the phone at `at`, sent when it had signal), or an SOS."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="positions")
    at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True)
    sos = models.BooleanField(default=False)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "at", "sos"], name="position_once")]
        indexes = [models.Index(fields=["event", "registration", "-at"], name="position_latest")]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.lat:.5f},{self.lon:.5f}"
