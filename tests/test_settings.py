"""Settings come from the environment; production refuses to start without a secret."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from cycling.celery import app as celery_app
from cycling.tasks import heartbeat

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json
from django.conf import settings as s  # (read from the module: no app needs loading, ~1 s a process less)
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": db["NAME"], "host": db.get("HOST"), "port": str(db.get("PORT")),
    "redis": s.REDIS_URL, "broker": s.CELERY_BROKER_URL, "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "cache": s.CACHES["default"]["BACKEND"], "debug": s.DEBUG, "hosts": s.ALLOWED_HOSTS,
    "email_backend": s.EMAIL_BACKEND, "email_host": getattr(s, "EMAIL_HOST", None),
    "email_port": getattr(s, "EMAIL_PORT", None), "media": str(s.MEDIA_ROOT), "secret": s.SECRET_KEY,
    "tz": s.TIME_ZONE, "lang": s.LANGUAGE_CODE, "dev_gateway": s.PAYMENTS_DEV_GATEWAY,
}))
"""


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**keep, **extra}


def _settings_in_subprocess(module: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=_clean_env(DJANGO_SETTINGS_MODULE=module, **env),
    )


def test_settings_read_the_environment(tmp_path):
    result = _settings_in_subprocess(
        "cycling.settings.base",
        DATABASE_URL="postgres://cyc:pw@db.internal:6543/cycling",
        REDIS_URL="redis://cache.internal:6380/2",
        SECRET_KEY="from-the-environment",
        DEBUG="false",
        ALLOWED_HOSTS="ride.example.cn,www.ride.example.cn",
        EMAIL_URL="smtp://mailer:pw@smtp.example.cn:2525",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["engine"] == "django.db.backends.postgresql"
    assert (got["name"], got["host"], got["port"]) == ("cycling", "db.internal", "6543")
    assert got["redis"] == got["broker"] == "redis://cache.internal:6380/2"
    assert got["eager"] is False
    assert got["cache"] == "core.cache.ResilientRedisCache"
    assert got["debug"] is False
    assert got["hosts"] == ["ride.example.cn", "www.ride.example.cn"]
    assert got["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (got["email_host"], got["email_port"]) == ("smtp.example.cn", 2525)
    assert got["media"] == str(tmp_path / "media")
    assert got["secret"] == "from-the-environment"


def test_settings_local_defaults_are_sqlite_inline_tasks_console_mail():
    result = _settings_in_subprocess("cycling.settings.base")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"].endswith("var/cycling.sqlite3")
    assert got["eager"] is True
    assert got["broker"] == "memory://"
    assert got["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert (got["tz"], got["lang"]) == ("Asia/Shanghai", "zh-hans")


def test_settings_smtp_variables_without_email_url():
    result = _settings_in_subprocess(
        "cycling.settings.base", EMAIL_HOST="smtp.qiye.example.cn", EMAIL_PORT="465", EMAIL_USE_SSL="true"
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (got["email_host"], got["email_port"]) == ("smtp.qiye.example.cn", 465)


def test_production_settings_refuse_missing_secret_key():
    result = _settings_in_subprocess("cycling.settings.production", ALLOWED_HOSTS="ride.example.cn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_check_deploy_is_clean():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=_clean_env(
            DJANGO_SETTINGS_MODULE="cycling.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="ride.example.cn",
            DATABASE_URL="sqlite:///:memory:",
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_celery_visibility_timeout_exceeds_every_countdown_and_time_limit():
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout > settings.CELERY_MAX_COUNTDOWN
    assert timeout > settings.CELERY_TASK_TIME_LIMIT
    celery_app.loader.import_default_modules()  # autodiscovery is lazy; load every app's tasks
    ours = {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}
    assert ours, "no project tasks registered"
    for name, task in ours.items():
        assert task.time_limit is None or task.time_limit < timeout, name
        assert task.name == name and "." in name  # explicit dotted names, not module paths by accident


def test_celery_conf_json_only_acks_late_no_results():
    conf = celery_app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == conf.result_serializer == "json"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_ignore_result is True
    assert conf.result_backend is None
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit


def test_celery_refuses_countdown_beyond_the_bound():
    with pytest.raises(ValueError, match="CELERY_MAX_COUNTDOWN"):
        heartbeat.apply_async(countdown=settings.CELERY_MAX_COUNTDOWN + 1)


def test_suite_runs_on_the_database_make_test_started(db):
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    if os.environ.get("CI", "").lower() == "true":
        assert connection.vendor == "postgresql"


def test_production_never_runs_the_development_payment_gateway(tmp_path):
    result = _settings_in_subprocess("cycling.settings.production", SECRET_KEY="x" * 50,
                                     ALLOWED_HOSTS="ride.example.cn", DATABASE_URL="sqlite:///:memory:",
                                     PAYMENTS_DEV_GATEWAY="true", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["dev_gateway"] is False
