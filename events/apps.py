from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # the outbox asks events to render registration e-mails; imported here because models
        # may not be imported before the app registry is ready
        from core import outbox  # noqa: PLC0415
        from events import notifications  # noqa: PLC0415
        from events.services.field import TOPIC as FIELD_TOPIC  # noqa: PLC0415

        outbox.register(notifications.TOPIC, notifications.render, recipient=notifications.recipient)
        outbox.register(FIELD_TOPIC, notifications.render_field)
        from events.services.documents import TOPIC as DOCUMENT_TOPIC  # noqa: PLC0415

        outbox.register(DOCUMENT_TOPIC, notifications.render_document)
        from core import personal_data  # noqa: PLC0415
        from events import personal_data as mine  # noqa: PLC0415

        personal_data.register("registrations", mine.export, mine.erase, release=mine.release, preview=mine.preview)
        from events import receivers  # noqa: F401, PLC0415 - connects to other apps' signals
