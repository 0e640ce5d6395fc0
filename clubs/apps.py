from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubsConfig(AppConfig):
    name = "clubs"
    verbose_name = _("Clubs")

    def ready(self) -> None:
        # routes and events ask core.memberships who belongs to a club: clubs answers
        from clubs import selectors
        from core import memberships

        memberships.register(selectors)
