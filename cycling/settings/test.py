"""Test settings: fast hashing, in-memory e-mail, tasks inline unless a test turns that off."""

import os
import re

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "memory"  # core.sms.sent, as mail.outbox
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # whitenoise serves from the finders: no collectstatic before tests
WHITENOISE_AUTOREFRESH = True
SITE_URL_FROM_REQUEST = False  # tests see the fixed SITE_URL unless a test turns this on
PAYMENTS_DEV_GATEWAY = True  # the tests pay through the development gateway
# route and ride files are measured in the request (a test's transaction never commits, so a task
# queued on commit would not run); the tests of the worker path set a small threshold themselves
ROUTE_ASYNC_THRESHOLD_BYTES = 20_000_000
PENDING_REFRESH_SECONDS = 1  # a browser test waiting for a page to reload itself waits less

# make test runs most tests in two pytest-xdist workers (gw0, gw1): each its own Redis database, so
# one worker's cache.clear() (a FLUSHDB) never empties the other's rate limits; the serial lane
# (the timed tests) uses database 0
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and re.fullmatch(r"gw\d+", _WORKER):  # noqa: F405
    REDIS_URL = re.sub(r"/\d*$", "", REDIS_URL) + f"/{int(_WORKER[2:]) + 1}"  # noqa: F405
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL

# The live server of the browser tests serves each keep-alive HTTP connection in a thread of its
# own: with CONN_MAX_AGE 0 every request opened and closed a database connection (~18 s of a run's
# worker time in connect, and a PostgreSQL backend started each time; issue 26). Kept for the
# thread's life instead: the server closes its thread's connections when the HTTP connection ends.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
