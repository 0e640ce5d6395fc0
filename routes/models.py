"""Routes, their versions (one per uploaded GPX file) and collections."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Collection(models.Model):
    """A named series of routes, such as the "Riding Taihang" lines."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")

    def __str__(self) -> str:
        return self.name


class Route(models.Model):
    class Category(models.TextChoices):
        GREENWAY = "greenway", _("Greenway")
        ROAD = "road", _("Road")
        MOUNTAIN = "mountain", _("Mountain road")
        GRAVEL = "gravel", _("Gravel")
        MTB = "mtb", _("MTB")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        CLUB = "club", _("Club members")
        PRIVATE = "private", _("Only me")

    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, default=Category.ROAD)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="routes")
    club = models.ForeignKey("clubs.Club", on_delete=models.SET_NULL, null=True, blank=True, related_name="routes")
    collection = models.ForeignKey(
        Collection, on_delete=models.SET_NULL, null=True, blank=True, related_name="routes"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RouteVersion(models.Model):
    """One uploaded GPX file of a route; events pin a version, so versions never change."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    gpx_file = models.FileField(_("GPX file"), upload_to="routes/gpx/%Y/%m/")
    original_filename = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("route version")
        verbose_name_plural = _("route versions")
        ordering = ["route", "-number"]
        constraints = [models.UniqueConstraint(fields=["route", "number"], name="route_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.route} v{self.number}"
