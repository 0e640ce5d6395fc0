"""The Celery app; configuration lives in Django settings under the CELERY_ prefix."""

import os
from datetime import UTC, datetime

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cycling.settings.base")


class BoundedTask(DjangoTask):
    """Refuses a countdown or eta beyond CELERY_MAX_COUNTDOWN.

    Redis redelivers a task whose countdown outlives the visibility timeout, so it would run
    twice; the settings keep the timeout above this bound and a test checks the relation.
    """

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None,
                    shadow=None, **options):
        limit = self.app.conf.get("max_countdown") or 0
        countdown = options.get("countdown") or 0
        eta = options.get("eta")
        if eta is not None:
            countdown = max(countdown, (eta - datetime.now(UTC)).total_seconds())
        if limit and countdown > limit:
            raise ValueError(f"countdown {countdown:.0f}s exceeds CELERY_MAX_COUNTDOWN={limit}s")
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)


app = Celery("cycling", task_cls=BoundedTask)
# current_app is thread-local: request threads (runserver, gunicorn gthread, the test pools) would
# otherwise fall back to an empty "default" app that knows none of our tasks.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
