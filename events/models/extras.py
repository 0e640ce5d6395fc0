"""What an entry includes (issue 30): price tiers, coupons, add-ons with their sizes and stock, the
items an entry bought, and the documents checked before entry."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.validators import one_line
from events.models.event import Category, Event
from events.models.registration import Registration


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
