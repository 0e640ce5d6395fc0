from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutesConfig(AppConfig):
    name = "routes"
    verbose_name = _("Routes")

    def ready(self) -> None:
        from core import personal_data  # noqa: PLC0415
        from routes import personal_data as mine  # noqa: PLC0415

        personal_data.register("routes", mine.export, mine.erase)
        from routes import receivers  # noqa: F401, PLC0415 - answers accounts' rider page
