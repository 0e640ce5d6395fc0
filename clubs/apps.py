from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubsConfig(AppConfig):
    name = "clubs"
    verbose_name = _("Clubs")

    def ready(self) -> None:
        # routes and events ask core.memberships who belongs to a club: clubs answers. Imported
        # here because models may not be imported before the app registry is ready.
        from clubs import notifications, receivers, selectors  # noqa: F401, PLC0415 (receivers: paid dues)
        from core import memberships, outbox  # noqa: PLC0415

        memberships.register(selectors)
        from clubs import personal_data as mine  # noqa: PLC0415
        from core import personal_data  # noqa: PLC0415

        personal_data.register("clubs", mine.export, mine.erase)
        outbox.register(notifications.MEMBERSHIP, notifications.render_membership, recipient=notifications.member)
        outbox.register(notifications.ANNOUNCEMENT, notifications.render_announcement)
