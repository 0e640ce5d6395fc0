from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndustryConfig(AppConfig):
    name = "industry"
    verbose_name = _("Industry")

    def ready(self) -> None:
        from industry import receivers  # noqa: F401 - connects the receivers to events' signals
