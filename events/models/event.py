"""Events, their categories with their start waves, and the questions they ask."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import HomeArea
from core.validators import one_line
from events.bibs import bib_numbers_validator


def new_helper_key() -> str:
    return secrets.token_hex(8)


class Event(models.Model):
    class Kind(models.TextChoices):
        RACE = "race", _("Race")
        SPORTIVE = "sportive", _("Sportive / group ride")
        CLUB_RIDE = "club_ride", _("Club ride")
        TRAINING = "training", _("Training")
        CHALLENGE = "challenge", _("Anytime challenge")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    TRANSITIONS = {
        "": {Status.DRAFT},
        Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
        Status.PUBLISHED: {Status.CANCELLED, Status.COMPLETED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    }

    slug = models.SlugField(_("slug"), unique=True, max_length=80, allow_unicode=True)
    title = models.CharField(_("title (Chinese)"), max_length=160, validators=[one_line])
    title_en = models.CharField(_("title (English)"), max_length=160, validators=[one_line], blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SPORTIVE)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    meeting_point = models.CharField(_("meeting point"), max_length=200, blank=True)
    meeting_lat = models.FloatField(_("meeting point latitude"), null=True, blank=True)
    meeting_lon = models.FloatField(_("meeting point longitude"), null=True, blank=True)
    county = models.CharField(_("county or district"), max_length=12, choices=HomeArea.choices, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    contact = models.CharField(_("organizer's contact (phone, WeChat or e-mail)"), max_length=120, blank=True)
    insurer = models.CharField(_("insurer (receives riders' ID numbers)"), max_length=120, blank=True)
    team_all_or_nothing = models.BooleanField(
        _("team entries stand or fall together (a member who does not confirm frees the whole team's seats)"),
        default=False)
    deferral_deadline = models.DateTimeField(_("deferral to the next edition allowed until"), null=True, blank=True)
    payment_minutes = models.PositiveIntegerField(_("minutes to pay after signing up"), default=30)
    offer_hours = models.PositiveIntegerField(_("hours to pay for a seat offered from the waitlist"), default=24)
    registration_paused = models.BooleanField(_("registration closed by the organizer"), default=False)
    transfer_deadline = models.DateTimeField(_("transfers allowed until"), null=True, blank=True)
    # signs the check-in helpers' join link (issue 28); a new key and the old link stops working
    helper_key = models.CharField(max_length=16, default=new_helper_key)
    waiver_text = models.TextField(_("waiver"), blank=True)
    organizers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="organized_events",
                                        verbose_name=_("organizers"))
    club = models.ForeignKey("clubs.Club", on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    members_only = models.BooleanField(_("only for members of the club"), default=False)
    pace = models.CharField(_("pace / level"), max_length=80, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_reason = models.TextField(blank=True)
    # issue 30: insurance bought through the event (its price per rider, the policy; certificate
    # numbers per rider come from the insurer's list) and whether riders may bring their own
    insurance_fen = models.PositiveIntegerField(_("insurance price per rider (fen)"), default=0)
    insurance_policy = models.CharField(_("insurance policy number"), max_length=60, blank=True)
    own_insurance_allowed = models.BooleanField(_("riders may bring their own insurance (certificate checked)"),
                                                default=False)
    # an anytime challenge: entrants complete it by uploading a ride that completes every one of
    # these routes between starts_at and ends_at (routes.signals.ride_matched)
    challenge_routes = models.ManyToManyField("routes.Route", blank=True, related_name="challenges",
                                              verbose_name=_("routes to ride (anytime challenges)"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start",
                                   violation_error_message=_("The event must end after it starts.")),
            models.CheckConstraint(condition=Q(registration_closes_at__gte=models.F("registration_opens_at")),
                                   name="event_registration_window_ordered",
                                   violation_error_message=_("Registration must close after it opens.")),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class Category(models.Model):
    class Mode(models.TextChoices):
        FIRST_COME = "first_come", _("First come, first served")
        BALLOT = "ballot", _("Ballot (entries drawn after the window)")

    class BibAt(models.TextChoices):
        REGISTRATION = "registration", _("at registration (in order of confirmation)")
        PICKUP = "pickup", _("at kit pick-up (the helper records the bib handed out)")

    class Gender(models.TextChoices):
        ANY = "", _("Open to all")
        FEMALE = "female", _("Women only")
        MALE = "male", _("Men only")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name (Chinese)"), max_length=80, validators=[one_line])
    name_en = models.CharField(_("name (English)"), max_length=80, validators=[one_line], blank=True)
    route_version = models.ForeignKey("routes.RouteVersion", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="categories", verbose_name=_("route version"))
    capacity = models.PositiveIntegerField(_("capacity"))
    mode = models.CharField(_("registration mode"), max_length=12, choices=Mode.choices, default=Mode.FIRST_COME)
    waitlist_enabled = models.BooleanField(_("waitlist when full"), default=True)
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)  # integer fen (core.money converts)
    min_age = models.PositiveSmallIntegerField(_("minimum age on event day"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age on event day"), null=True, blank=True)
    gender = models.CharField(_("gender restriction"), max_length=8, choices=Gender.choices, blank=True, default="")
    bib_start = models.PositiveIntegerField(_("first bib number"))
    bib_end = models.PositiveIntegerField(_("last bib number"))
    bib_at = models.CharField(_("bibs given"), max_length=12, choices=BibAt.choices, default=BibAt.REGISTRATION)
    bib_reserved = models.CharField(
        _("reserved bib numbers"), max_length=200, blank=True, validators=[bib_numbers_validator],
        help_text=_("Numbers of the range the automatic assignment skips, kept for invited riders and as spares "
                    "for lost bibs, e.g. 1-10, 88, 888."))
    position = models.PositiveSmallIntegerField(default=0)
    # Seat counter and bib cursor, moved only by one conditional UPDATE (the seat claim) or
    # recomputed from the registrations while the row is locked (services.py)
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    next_bib = models.PositiveIntegerField(default=0, editable=False)
    # seats set aside for entry codes (not yet used): the open sign-up cannot take them
    code_seats = models.PositiveIntegerField(_("seats reserved for entry codes"), default=0, editable=False)
    # issue 30: a document the organizer approves before a rider may take a seat (health certificate,
    # CCA licence), and amateur fields closed to riders whose CCA licence the platform has approved
    document_required = models.CharField(_("document approved before entry"), max_length=12, blank=True,
                                         default="", choices=[("", _("None")), ("health", _("Health certificate")),
                                                               ("licence", _("CCA licence"))])
    licensed_barred = models.BooleanField(_("amateur: riders with a CCA licence may not enter"), default=False)
    # kept by events.services.extras so that a sign-up reads no more rows when a category has neither
    # (the rush's hot path): it has price tiers; an add-on is required in it
    has_tiers = models.BooleanField(default=False, editable=False)
    addons_required = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["event", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(bib_end__gte=models.F("bib_start")), name="category_bib_range"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.name}"



class Wave(models.Model):
    """A start wave of a category (issue 28): its riders start together at its time; `size` riders at
    most. Riders are seeded by declared speed or previous results and moved by the organizer."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(_("wave"), max_length=40, validators=[one_line])
    starts_at = models.DateTimeField(_("start time"))
    size = models.PositiveIntegerField(_("riders at most"))

    class Meta:
        verbose_name = _("start wave")
        verbose_name_plural = _("start waves")
        ordering = ["category", "starts_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["category", "name"], name="wave_name_once_per_category")]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", pgettext_lazy("question kind", "Text")
        CHOICE = "choice", _("Choice")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        YES_NO = "yes_no", _("Yes / no")
        NATIONAL_ID = "national_id", _("National ID number")
        BRAND = "brand", _("Bike brand (from the brand list)")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("question (Chinese)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["event", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "key"], name="question_key_unique")]

    def __str__(self) -> str:
        return self.label
