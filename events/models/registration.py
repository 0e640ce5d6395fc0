"""Registrations and what decides or moves a seat: the ID-number log, ballots and their quota
groups, entry codes, transfer offers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.validators import one_line
from events.models.event import Category, Event, Wave


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
    # not a column: what is to pay for a seat this instance's sign-up held just now (the port's
    # answer), so the sign-up's response need not read the order back; None otherwise (read it)
    held_order: dict | None = None
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
                             verbose_name=_("start wave"), db_index=False)  # (indexed where set: Meta)
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
                   models.Index(fields=["coupon"], condition=Q(coupon__isnull=False), name="registration_coupon"),
                   # given once the organizer places riders in waves: no index entry for every sign-up
                   models.Index(fields=["wave"], condition=Q(wave__isnull=False), name="registration_wave")]

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
