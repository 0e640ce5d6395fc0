from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: slugs, bilingual fields, errors, CSV, import reports, notification claims."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.conf import settings  # noqa: PLC0415 (apps load before settings are read here)

        from core import observability  # noqa: PLC0415 (models are ready only now)

        observability.connect()  # the request id ends with its request, travels with its tasks
        from django.core.signals import request_finished  # noqa: PLC0415

        from core import outbox  # noqa: PLC0415

        # inline mode: what a request queued is sent once its response has gone out
        request_finished.connect(outbox._drain_after_response, dispatch_uid="core.outbox.drain")
        from core import personal_data, sms  # noqa: PLC0415

        personal_data.register("text_messages", sms.ledger_export, sms.ledger_erase)  # the SMS ledger (2 days)
        if settings.SENTRY_DSN:
            observability.init_sentry(settings.SENTRY_DSN, environment=settings.SENTRY_ENVIRONMENT,
                                      release=getattr(settings, "RELEASE", ""))
