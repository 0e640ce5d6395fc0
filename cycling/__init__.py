"""Project package: settings, URLs, the Celery app; no business logic."""

from .celery import app as celery_app

__all__ = ("celery_app",)
