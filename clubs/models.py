"""Riding clubs."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import HomeArea


class Club(models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    home_area = models.CharField(_("home county or district"), max_length=12, choices=HomeArea.choices, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
