"""A real Celery worker, started as a process, runs a task sent through the real Redis broker."""

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from core import observability
from cycling.celery import app as celery_app
from cycling.tasks import HEARTBEAT_KEY, heartbeat

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")
RID = "feedface" * 4

pytestmark = pytest.mark.redis


@pytest.fixture
def worker_queue(settings):
    if not REDIS_URL:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no REDIS_URL: the worker test must run in CI")
        pytest.skip("no Redis (make test starts one when redis-server is installed)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # this test process's own Redis database (an xdist worker has its own: cycling/settings/test.py)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cycling.settings.base", "REDIS_URL": settings.REDIS_URL,
           "LOG_FORMAT": "json"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cycling", "worker", "--pool=solo", "--queues", queue,
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    def stop() -> str:
        if worker.poll() is None:
            worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        return output or ""

    yield queue, stop
    print(stop())


def test_real_worker_runs_a_task_from_redis(worker_queue, settings):
    """...and logs it as a JSON line carrying the id of the request that queued it (issue 27)."""
    queue, stop = worker_queue
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert settings.REDIS_URL.rsplit("/", 1)[0] == REDIS_URL.rsplit("/", 1)[0]  # the server make test started
    assert cache.get(HEARTBEAT_KEY) is None
    celery_app.conf.task_always_eager = False
    token = observability.request_id.set(RID)
    try:
        heartbeat.apply_async(queue=queue)
    finally:
        observability.request_id.reset(token)
        celery_app.conf.task_always_eager = True
    deadline = time.monotonic() + 60
    while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cache.get(HEARTBEAT_KEY) is not None, "the worker did not run the task within 60 s"
    lines = []
    for line in stop().splitlines():
        with contextlib.suppress(ValueError):
            lines.append(json.loads(line))
    done = [line for line in lines if "cycling.heartbeat" in line["message"] and "succeeded" in line["message"]]
    assert [line["request_id"] for line in done] == [RID], lines
