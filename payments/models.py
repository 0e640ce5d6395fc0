"""Orders and their ledger: payments and refunds are append-only rows, so an order's balance is
always their sum. Amounts are integer fen; the price comes from the server, never the client."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import localized
from events.models import Event, Registration


class Order(models.Model):
    """Money a rider owes for one thing: a seat (``registration``), a club's dues period or the
    price difference of a category switch (``kind`` with ``subject_id``: the membership, or the
    category switched to)."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Entry fee")
        SWITCH = "switch", _("Category switch")
        DUES = "dues", _("Club dues")
        GROUP = "group", _("Several seats in one payment")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")

    # Every allowed move (core.transitions; payments.services.order_move). Paid, partly refunded
    # and refunded follow the ledger (money kept against the price) as refunds arrive or fail; an
    # order closed unpaid (expired, cancelled) that still receives money gives it back (refunded)
    TRANSITIONS = {
        "": {Status.PENDING},
        Status.PENDING: {Status.PAID, Status.EXPIRED, Status.CANCELLED},
        Status.EXPIRED: {Status.PAID, Status.REFUNDED},  # paid late: a seat still free, or the money back
        Status.CANCELLED: {Status.REFUNDED},
        Status.PAID: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.PARTIALLY_REFUNDED: {Status.PAID, Status.REFUNDED},
        Status.REFUNDED: {Status.PAID, Status.PARTIALLY_REFUNDED},
    }
    FULFILLED = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)  # what was paid for was given

    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="orders", null=True,
                                     blank=True)
    kind = models.CharField(_("for"), max_length=12, choices=Kind.choices, default=Kind.REGISTRATION)
    subject_id = models.PositiveIntegerField(null=True, blank=True)
    description = models.CharField(_("description"), max_length=120, blank=True)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(_("pay by"))
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(_("paid with"), max_length=20, blank=True)  # the provider last started
    return_path = models.CharField(max_length=200, blank=True)  # where the rider goes once it is paid
    # a seat's order paid together with others (a family's seats, one payment by the adult): the
    # group order carries the provider's trade; each member order gets its share as a payment
    group = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="members")

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["expires_at"], condition=Q(status="pending"), name="order_pending_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount_fen / 100:.2f} {self.currency} {self.status}"

    @property
    def shown_description(self) -> str:
        """What the order is for, in the reader's language: an entry's description is stored in Chinese
        when the order is made; where it is still that, the event's and category's names are read in
        the active language (their English names on English pages)."""
        registration = self.registration
        if registration is not None and self.description == (
                f"{registration.event.title} · {registration.category.name}"[:120]):
            return f"{localized(registration.event, 'title')} · {localized(registration.category, 'name')}"
        return self.description or str(self.get_kind_display())

    @property
    def shown_status(self) -> str:
        """The status as pages and the API show it: a pending order past its deadline reads as
        expired (the expiry job moves it; reading never writes)."""
        if self.status == self.Status.PENDING and self.expires_at < timezone.now():
            return self.Status.EXPIRED
        return self.status

    def get_shown_status_display(self) -> str:
        return str(self.Status(self.shown_status).label)

    @property
    def trade_no(self) -> str:
        """The merchant's order number sent to WeChat Pay and Alipay (out_trade_no)."""
        return f"{settings.PAYMENTS_TRADE_PREFIX}{self.pk:010d}"


class OrderLine(models.Model):
    """What an order is made of (issue 30): the entry fee, each add-on, a coupon's discount (a
    negative amount), the insurance; their sum is the order's amount. A refund may name the line it
    gives back (an add-on refunded alone)."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry fee")
        ADDON = "addon", _("Add-on")
        DISCOUNT = "discount", _("Discount")
        INSURANCE = "insurance", _("Insurance")
        BALANCE = "balance", _("Amount due")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=120)
    description_en = models.CharField(max_length=120, blank=True)
    amount_fen = models.IntegerField()
    subject_id = models.PositiveIntegerField(null=True, blank=True)  # the add-on item, or the coupon
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.description} {self.amount_fen}"


class Payment(models.Model):
    """Money received, as the provider notified it (kept raw). One row per provider transaction."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    provider_txn_id = models.CharField(max_length=64)
    amount_fen = models.PositiveIntegerField()
    raw = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # a member order's share of a group payment: the provider's trade is `via` (refunds go through it)
    via = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="shares")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "provider_txn_id"], name="payment_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_txn_id}"

    @property
    def trade(self) -> "Payment":
        """The payment the provider knows (a share's group payment, or itself): refunds go through it."""
        return self.via if self.via_id else self


def refund_reference() -> str:
    """The merchant's refund number (WeChat's out_refund_no, Alipay's out_request_no)."""
    return f"{settings.PAYMENTS_TRADE_PREFIX}R{uuid.uuid4().hex[:24]}"


class Refund(models.Model):
    """Money going back, through the provider that took it, followed until the provider says it
    arrived (or failed: then listed for the organizer, who may retry)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PROCESSING = "processing", _("With the provider")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    OPEN = (Status.REQUESTED, Status.PROCESSING)
    TRANSITIONS = {
        "": {Status.REQUESTED},
        Status.REQUESTED: {Status.PROCESSING, Status.SUCCEEDED, Status.FAILED},
        Status.PROCESSING: {Status.SUCCEEDED, Status.FAILED, Status.REQUESTED},  # the provider never got it: again
        Status.SUCCEEDED: set(),
        Status.FAILED: set(),  # tried again as a new refund (refund_retry)
    }

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", null=True, blank=True)
    reference = models.CharField(max_length=40, unique=True, default=refund_reference)  # out_refund_no
    provider = models.CharField(max_length=20)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    amount_fen = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    line = models.ForeignKey(OrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    error = models.CharField(max_length=300, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status"], condition=Q(status__in=["requested", "processing"]),
                                name="refund_open")]

    def __str__(self) -> str:
        return f"refund {self.amount_fen} of #{self.order_id}"


class EventPayment(models.Model):
    """An event's payment settings: which providers riders may use, and the refund policy for a
    rider who withdraws (full refund until one date, a percentage until a second, none after)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, primary_key=True, related_name="payment_settings")
    providers = models.JSONField(_("payment methods"), default=list, blank=True)  # empty: every one configured
    refund_full_until = models.DateTimeField(_("full refund until"), null=True, blank=True)
    refund_part_until = models.DateTimeField(_("partial refund until"), null=True, blank=True)
    refund_part_percent = models.PositiveSmallIntegerField(_("partial refund (%)"), default=50)

    def __str__(self) -> str:
        return f"payments of {self.event_id}"


class FapiaoRequest(models.Model):
    """A rider asks for a 发票 (fapiao) for a paid order; the organizer issues it outside the
    platform and exports the requests."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="fapiao")
    title = models.CharField(_("invoice title"), max_length=100)
    taxpayer_id = models.CharField(_("taxpayer id"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail for the invoice"))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"fapiao for #{self.order_id}"
