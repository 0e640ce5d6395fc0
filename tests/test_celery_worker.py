"""A real Celery worker, started as a process, runs a task sent through the real Redis broker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from cycling.celery import app as celery_app
from cycling.tasks import HEARTBEAT_KEY, heartbeat

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.redis


@pytest.fixture
def worker_queue():
    if not REDIS_URL:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no REDIS_URL: the worker test must run in CI")
        pytest.skip("no Redis (make test starts one when redis-server is installed)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cycling.settings.base", "REDIS_URL": REDIS_URL}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cycling", "worker", "--pool=solo", "--queues", queue,
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield queue
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    print(output)


def test_real_worker_runs_a_task_from_redis(worker_queue, settings):
    assert settings.CELERY_BROKER_URL == REDIS_URL
    assert cache.get(HEARTBEAT_KEY) is None
    celery_app.conf.task_always_eager = False
    try:
        heartbeat.apply_async(queue=worker_queue)
    finally:
        celery_app.conf.task_always_eager = True
    deadline = time.monotonic() + 60
    while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cache.get(HEARTBEAT_KEY) is not None, "the worker did not run the task within 60 s"
