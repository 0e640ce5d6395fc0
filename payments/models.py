"""Orders and their ledger: payments and refunds are append-only rows, so an order's balance is
always their sum. Amounts are integer fen; the price comes from the server, never the client."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Registration


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "part_refund", _("Partly refunded")

    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="orders", null=True,
                                     blank=True)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    currency = models.CharField(max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(_("pay by"))
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["expires_at"], condition=Q(status="pending"), name="order_pending_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount_fen / 100:.2f} {self.currency} {self.status}"


class Payment(models.Model):
    """Money received, as the provider notified it (kept raw). One row per provider transaction."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    provider_txn_id = models.CharField(max_length=64)
    amount_fen = models.PositiveIntegerField()
    raw = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "provider_txn_id"], name="payment_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_txn_id}"


class Refund(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    provider = models.CharField(max_length=20)
    amount_fen = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"refund {self.amount_fen} of #{self.order_id}"
