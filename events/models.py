"""Events, their categories and questions, registrations, check-in and results."""

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


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        ENTERED = "entered", _("Entered in the ballot")
        HELD = "held", _("Seat held: waiting for the rider to confirm")
        AWAITING = "awaiting_payment", _("Seat held: waiting for payment")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        FINISHED = "finished", _("Finished")
        DNF = "dnf", _("Did not finish")
        DNS = "dns", _("Did not start")
        DSQ = "dsq", _("Disqualified")

    ACTIVE = (Status.CONFIRMED, Status.HELD, Status.AWAITING, Status.WAITLISTED, Status.ENTERED)
    SEATED = (Status.CONFIRMED, Status.HELD, Status.AWAITING)  # what takes a seat (Category.confirmed_count)
    # Every allowed move (core.transitions; events.services.status.registration_move): "" is a new row
    TRANSITIONS = {
        "": {Status.CONFIRMED, Status.AWAITING, Status.WAITLISTED, Status.ENTERED, Status.HELD},
        Status.ENTERED: {Status.CONFIRMED, Status.AWAITING, Status.WAITLISTED, Status.CANCELLED},  # the draw
        Status.HELD: {Status.AWAITING, Status.CONFIRMED, Status.CANCELLED},  # team / family member confirms
        Status.AWAITING: {Status.CONFIRMED, Status.CANCELLED, Status.WAITLISTED},  # paid, lapsed, switched
        Status.WAITLISTED: {Status.CONFIRMED, Status.AWAITING, Status.CANCELLED},  # promoted or offered
        Status.CONFIRMED: {Status.CANCELLED, Status.WAITLISTED},  # withdrawn, switched to a full category
        # money for a lapsed seat (its order expired, not withdrawn) takes a seat that is still free
        Status.CANCELLED: {Status.CONFIRMED},
    }

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    # indexed by (category, status, queued_at) below; every sign-up of a rush writes each index (issue 27)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="registrations", db_index=False)
    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    bib = models.PositiveIntegerField(_("bib"), null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    waiver_accepted_at = models.DateTimeField(null=True, blank=True)
    id_consent_at = models.DateTimeField(null=True, blank=True)  # separate consent to give the ID (PIPL)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(_("in line since"))  # first come, first served on the waitlist
    confirmed_at = models.DateTimeField(null=True, blank=True)
    hold_expires_at = models.DateTimeField(_("confirm by"), null=True, blank=True)  # a held or unpaid seat's deadline
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("kit picked up"), null=True, blank=True)  # race pack and bib (issue 28)
    # someone the rider authorised to pick the kit up (issue 28): shown to the check-in helpers; goes
    # with a transfer, an account's deletion and, after the event, with the ID numbers
    wave = models.ForeignKey(Wave, on_delete=models.SET_NULL, null=True, blank=True, related_name="riders",
                             verbose_name=_("start wave"))
    proxy_name = models.CharField(_("kit picked up by (name)"), max_length=40, blank=True, default="", db_default="",
                                  validators=[one_line])  # (db_default: the one-statement sign-up names no column)
    proxy_mobile = models.CharField(_("kit picked up by (mobile)"), max_length=20, blank=True, default="",
                                    db_default="")
    transferred_from = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", db_index=False)  # partial index below
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    # the rider's age on the event day, kept when their account is deleted so that statistics stay true
    rider_age = models.PositiveSmallIntegerField(null=True, blank=True)
    deferred_at = models.DateTimeField(_("deferred to the next edition"), null=True, blank=True)
    # the seats of one team entry; a database default too: the one-statement sign-up names its columns
    team_key = models.CharField(max_length=32, blank=True, default="", db_default="")
    guardian_consent_at = models.DateTimeField(null=True, blank=True)  # a minor's guardian consented
    answered_at = models.DateTimeField(null=True, blank=True)  # a team member gave their part (all-or-nothing)
    draw_position = models.PositiveIntegerField(_("place in the draw"), null=True, blank=True)  # ballots: 1 = first
    entry_code = models.ForeignKey("EntryCode", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="registrations", db_index=False)  # partial index below
    finish_seconds = models.PositiveIntegerField(_("finish time (s)"), null=True, blank=True)
    # signed into the check-in code with the id: a new key (a transfer) makes the old QR invalid
    checkin_key = models.CharField(max_length=16, blank=True, default="", db_default="")
    # issue 30: the entry fee in force when the seat was claimed (price tiers; None: before tiers, the
    # category's fee), the coupon used and its discount, and the insurance chosen ("event": bought
    # with the entry, its certificate number from the insurer's list; "own": the rider's own, proved
    # by a document). Database defaults: the one-statement sign-up names its columns.
    price_fen = models.PositiveIntegerField(_("entry fee (fen)"), null=True, blank=True)
    coupon = models.ForeignKey("Coupon", on_delete=models.PROTECT, null=True, blank=True, related_name="registrations",
                               db_index=False)  # partial index below
    discount_fen = models.PositiveIntegerField(_("discount (fen)"), default=0, db_default=0)
    insurance = models.CharField(_("insurance"), max_length=6, blank=True, default="", db_default="",
                                 choices=[("", _("None")), ("event", _("Bought with the entry")),
                                          ("own", _("The rider's own"))])
    insurance_certificate = models.CharField(_("insurance certificate number"), max_length=40, blank=True,
                                             default="", db_default="")

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "rider"],
                                    condition=Q(status__in=["confirmed", "held", "awaiting_payment", "waitlisted",
                                                            "entered"]),
                                    name="one_active_registration_per_rider"),
            models.UniqueConstraint(fields=["event", "bib"], condition=Q(bib__isnull=False),
                                    name="bib_unique_per_event"),
        ]
        indexes = [models.Index(fields=["category", "status", "queued_at"]),
                   # rare links, looked up when the other side is deleted: only rows that have one
                   models.Index(fields=["transferred_from"], condition=Q(transferred_from__isnull=False),
                                name="registration_transferred_from"),
                   models.Index(fields=["entry_code"], condition=Q(entry_code__isnull=False),
                                name="registration_entry_code"),
                   models.Index(fields=["coupon"], condition=Q(coupon__isnull=False), name="registration_coupon")]

    def __str__(self) -> str:
        return f"{self.event} · {self.rider} · {self.status}"



class IdAccess(models.Model):
    """A look at unmasked national ID numbers (the insurance export): who, when, which event, how
    many rows. Organizers of the event and staff read the log (PIPL)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="id_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("what"), max_length=40)
    rows = models.PositiveIntegerField(_("ID numbers"))
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("ID number access")
        verbose_name_plural = _("ID number accesses")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.rows} @ {self.at:%Y-%m-%d %H:%M}"


class Ballot(models.Model):
    """The draw of a ballot category. The seed is chosen when the ballot is set up and only its
    SHA-256 (the commitment) is published; at the draw the seed and the list of entries (ids in
    ascending order, with the quota groups each qualifies for) are published with the list's
    hash, so anyone can re-run the draw (docs/registration.md, manage.py ballot_verify)."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, primary_key=True, related_name="ballot")
    seed = models.CharField(max_length=64, editable=False)  # secret until drawn_at
    commitment = models.CharField(_("commitment (SHA-256 of the seed)"), max_length=64, editable=False)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    entries = models.JSONField(default=list, blank=True)  # at the draw: [[registration id, [group positions]]]
    entries_hash = models.CharField(max_length=64, blank=True)
    winners = models.JSONField(default=list, blank=True)  # registration ids selected, in draw order
    no_shows_last = models.BooleanField(_("riders with 2 or more no-shows in 12 months are drawn last"),
                                        default=False)

    def __str__(self) -> str:
        return f"ballot of {self.category_id}"

    @property
    def seed_published(self) -> str:
        return self.seed if self.drawn_at else ""


class QuotaGroup(models.Model):
    """A share of a ballot category's seats for riders who meet a rule; drawn in turn, in position
    order; seats a group does not fill fall to the open draw."""

    class Rule(models.TextChoices):
        XINGTAI = "xingtai", _("Xingtai residents")
        CLUB_MEMBERS = "club_members", _("Members of a riding club")
        FINISHED_BEFORE = "finished_before", _("Finished an earlier edition")

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="quota_groups")
    rule = models.CharField(_("who"), max_length=20, choices=Rule.choices)
    share_percent = models.PositiveSmallIntegerField(_("share of the seats (%)"))
    earlier_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                      verbose_name=_("earlier edition"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.share_percent}%"


class EntryCode(models.Model):
    """A code that lets its holder register in one category (qualifiers, sponsors, invited riders):
    single or N-use, optionally at another price (0: a free entry) and until a date; its seats may be
    reserved out of the capacity (Category.code_seats)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="entry_codes")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="entry_codes")
    code = models.CharField(_("code"), max_length=24)
    uses_allowed = models.PositiveIntegerField(_("uses"), default=1)
    uses = models.PositiveIntegerField(default=0, editable=False)
    price_fen = models.PositiveIntegerField(_("price (fen), empty: the category's"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    reserved = models.BooleanField(_("seats reserved"), default=False)
    note = models.CharField(_("for"), max_length=120, blank=True)
    for_rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")  # only this rider may use it (a deferral's seat)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "code"], name="entry_code_unique_per_event"),
                       models.CheckConstraint(condition=Q(uses__lte=models.F("uses_allowed")),
                                              name="entry_code_uses_within_allowed")]
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.code


class TransferOffer(models.Model):
    """A rider offers their seat to another rider; the seat moves only when the recipient accepts
    and gives their own answers, waiver and ID (issue 14)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the rider to accept")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="transfer_offers")
    from_rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to_rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transfer_offers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = {
        "": {Status.PENDING},
        Status.PENDING: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
    }

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration"], condition=Q(status="pending"),
                                               name="one_pending_transfer_per_registration")]

    def __str__(self) -> str:
        return f"transfer of {self.registration_id} to {self.to_rider_id}"


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


class PriceTier(models.Model):
    """From `starts_at` a category's entry fee is `fee_fen` (until the next tier): early bird,
    regular, late. Before the first tier the category's own fee applies. The fee a rider pays is
    the one in force when their seat is claimed (Registration.price_fen)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("name (Chinese)"), max_length=40, validators=[one_line])
    name_en = models.CharField(_("name (English)"), max_length=40, validators=[one_line], blank=True)
    starts_at = models.DateTimeField(_("from"))
    fee_fen = models.PositiveIntegerField(_("fee (fen)"))

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        ordering = ["category", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["category", "starts_at"], name="tier_once_per_instant")]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%Y-%m-%d}"


class Coupon(models.Model):
    """A discount code for the entry fee (not the add-ons or insurance): a fixed amount or a
    percentage, for some categories or all, between two dates, `uses_allowed` entries in all and
    `per_rider` per rider. One coupon per entry, never with an entry code (which sets its own
    price); the fee never goes below zero. A use counts while its entry holds a seat or was ever
    confirmed: an unpaid hold that lapses gives it back."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percentage off")
        FIXED = "fixed", _("Amount off")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(_("code"), max_length=24)
    kind = models.CharField(_("discount"), max_length=8, choices=Kind.choices, default=Kind.FIXED)
    value = models.PositiveIntegerField(_("value (fen, or percent)"))
    uses_allowed = models.PositiveIntegerField(_("entries in all"))
    per_rider = models.PositiveSmallIntegerField(_("entries per rider"), default=1)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="+",
                                        verbose_name=_("categories (none: every one)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["event", "code"]
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="coupon_code_once_per_event"),
            models.CheckConstraint(condition=Q(kind="fixed") | Q(value__lte=100), name="coupon_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.code

    def discount_on(self, fee_fen: int) -> int:
        """What this coupon takes off a fee (never more than the fee)."""
        off = fee_fen * self.value // 100 if self.kind == self.Kind.PERCENT else self.value
        return min(off, fee_fen)


class AddOn(models.Model):
    """Something bought with an entry (a jersey, a meal, the shuttle bus, a bed): its variants
    (sizes) have their own stock, taken under the same locks as seats; optional, or required in
    some categories (no seat without it); its size changeable until `change_until`."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="addons")
    name = models.CharField(_("name (Chinese)"), max_length=60, validators=[one_line])
    name_en = models.CharField(_("name (English)"), max_length=60, validators=[one_line], blank=True)
    price_fen = models.PositiveIntegerField(_("price (fen)"), default=0)
    categories = models.ManyToManyField(Category, blank=True, related_name="addons",
                                        verbose_name=_("offered in (none: every category)"))
    required_in = models.ManyToManyField(Category, blank=True, related_name="required_addons",
                                         verbose_name=_("required in"))
    change_until = models.DateTimeField(_("size changes until"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")
        ordering = ["event", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class AddOnVariant(models.Model):
    """A size or kind of an add-on with its stock: taken by entries that hold or wait for a seat."""

    addon = models.ForeignKey(AddOn, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(_("size or kind"), max_length=20, validators=[one_line])
    stock = models.PositiveIntegerField(_("stock"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["addon", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["addon", "label"], name="variant_label_once")]

    def __str__(self) -> str:
        return f"{self.addon} {self.label}"


class EntryItem(models.Model):
    """An add-on bought with an entry, at the price it had then. It takes its variant's stock while
    its entry is active and it is not refunded (the organizer refunds one add-on alone)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="items")
    addon = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="items")
    variant = models.ForeignKey(AddOnVariant, on_delete=models.PROTECT, related_name="items")
    price_fen = models.PositiveIntegerField()
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "addon"], condition=Q(refunded_at__isnull=True),
                                               name="one_item_per_addon")]

    def __str__(self) -> str:
        return f"{self.variant} for {self.registration_id}"


def document_path(instance: "EntryDocument", filename: str) -> str:
    """Private documents under a name nobody can guess, with our own extension (never the upload's)."""
    extension = "pdf" if instance.content_type == "application/pdf" else instance.content_type.split("/")[-1]
    return f"private/documents/{instance.event_id}/{secrets.token_urlsafe(18)}.{extension}"


class EntryDocument(models.Model):
    """A document a rider uploads for an event (a health certificate, a CCA licence, their own
    insurance's certificate), checked by the organizer: approved, or refused with the reason. Stored
    privately, read only by the rider and the event's organizers; erased with the ID numbers."""

    class Kind(models.TextChoices):
        HEALTH = "health", _("Health certificate")
        LICENCE = "licence", _("CCA licence")
        INSURANCE = "insurance", _("Own insurance certificate")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the organizer")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    # a refused document is not reviewed again: the rider sends a new one (core.transitions)
    TRANSITIONS = {"": {Status.PENDING}, Status.PENDING: {Status.APPROVED, Status.REFUSED},
                   Status.APPROVED: set(), Status.REFUSED: set()}

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entry_documents")
    kind = models.CharField(_("document"), max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["event", "created_at", "pk"]
        indexes = [models.Index(fields=["event", "rider", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.rider_id} ({self.status})"
