"""Bicycle brands, sponsorships, monthly sales, and the participation statistics computed from
registrations (written only by industry.stats, read by the insights pages)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import HomeArea


class Brand(models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=60)
    name = models.CharField(_("name (Chinese)"), max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    county = models.CharField(_("county"), max_length=12, choices=HomeArea.choices, blank=True)
    is_local = models.BooleanField(_("made in the Xingtai cluster"), default=False)
    synthetic = models.BooleanField(_("made-up demo brand"), default=False,
                                    help_text=_("Pages that show its figures say that they are synthetic."))
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="brands",
                                   verbose_name=_("staff of the brand"))

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sponsorship(models.Model):
    class Tier(models.TextChoices):
        TITLE = "title", _("Title sponsor")
        GOLD = "gold", _("Gold")
        SILVER = "silver", _("Silver")
        PARTNER = "partner", _("Partner")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="sponsorships")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="sponsorships")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.PARTNER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "brand"], name="one_sponsorship_per_event_brand")]

    def __str__(self) -> str:
        return f"{self.brand} · {self.event}"


class SalesRecord(models.Model):
    class Channel(models.TextChoices):
        DOMESTIC = "domestic", _("Domestic retail")
        EXPORT = "export", _("Export")
        ECOMMERCE = "ecommerce", _("E-commerce / live streaming")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="sales")
    month = models.DateField(_("month"))  # always the first day of the month
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    units = models.PositiveIntegerField(_("units"))
    revenue_cny = models.DecimalField(_("revenue (CNY)"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["brand", "month", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "month", "channel"], name="one_sales_row_per_brand_month_channel"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="sales_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.month:%Y-%m} {self.channel}"


class EventStat(models.Model):
    """Counts of one event category, split by one dimension ("total", "gender", "age_band",
    "locality", "club", "brand", "brand_origin", "day")."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("events.Category", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20)
    bucket = models.CharField(max_length=80)
    registered = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    waitlisted = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    checked_in = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "dimension", "bucket"],
                                               name="one_event_stat_per_bucket")]
        indexes = [models.Index(fields=["event", "dimension"])]

    def __str__(self) -> str:
        return f"{self.category_id} {self.dimension}={self.bucket}"


class MonthlyStat(models.Model):
    """Across all events starting in a month: participants (confirmed registrations), events,
    unique riders and first-time riders (whose first confirmed event starts in that month)."""

    month = models.DateField(unique=True)
    participants = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    unique_riders = models.PositiveIntegerField(default=0)
    first_time_riders = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class StatRun(models.Model):
    """When each statistics job was last asked for and last finished (shown on the insights
    pages). A job asked for and not finished within minutes lost its task (a worker killed, Redis
    down when it was queued): the sweep (industry.stats.stats_sweep) queues it again."""

    job = models.CharField(max_length=60, unique=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.job


class SalesImport(models.Model):
    """A large sales file imported in the background (industry.import_sales task): the uploader
    follows its progress on a page; all rows applied, or none and every problem listed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Not applied")

    file = models.FileField(_("file"), upload_to="sales/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)  # of the error messages
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    applied = models.PositiveIntegerField(_("rows applied"), default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sales import")
        verbose_name_plural = _("sales imports")

    def __str__(self) -> str:
        return f"{self.file.name} · {self.status}"


class TopicHeat(models.Model):
    """Social-media mentions of a brand in a month on one platform (imported from CSV): the source
    report's "topic heat", shown beside sales with the same estimates."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="heat")
    month = models.DateField(_("month"))  # always the first day of the month
    platform = models.CharField(_("platform"), max_length=30)
    mentions = models.PositiveIntegerField(_("mentions"))

    class Meta:
        verbose_name = _("topic heat")
        verbose_name_plural = _("topic heat")
        constraints = [models.UniqueConstraint(fields=["brand", "month", "platform"], name="heat_unique")]

    def __str__(self) -> str:
        return f"{self.brand} {self.month:%Y-%m} {self.platform}"
