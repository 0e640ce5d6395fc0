"""A redis-server of a test's own, started and stopped on the same port (issue 10's outage test,
issue 27's SMS limits with Redis stopped)."""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from cycling.celery import app as celery_app
from scripts.testenv import free_port
from tests.helpers import needs

REDIS = shutil.which("redis-server")


class OwnRedis:
    """A redis-server of this test's own, to stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="outage-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_outage(settings):
    needs(REDIS, "redis-server")
    # read before the settings change: Celery loads its configuration from them on first use, so
    # reading after would take the override for the value to put back (and leave the rest of the
    # process running tasks on a broker instead of inline)
    old_broker, old_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    redis = OwnRedis()
    redis.start()
    settings.REDIS_URL = redis.url
    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": redis.url,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = redis.url, False
    celery_app._after_fork()  # drop connections made for another broker
    yield redis
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = old_broker, old_eager
    celery_app._after_fork()
    with contextlib.suppress(Exception):
        redis.stop()
    shutil.rmtree(redis.dir, ignore_errors=True)
