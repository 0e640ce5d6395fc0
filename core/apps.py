from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: slugs, bilingual fields, errors, CSV, import reports, notification claims."""

    name = "core"
    verbose_name = _("Core")
