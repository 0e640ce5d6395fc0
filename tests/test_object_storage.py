"""Issue 27: files on an S3-compatible object store (django-storages against a real server on
loopback, no mocked client): uploads land in the bucket, downloads stream through Django with their
attachment and nosniff headers, the orphan sweep and the backup read the bucket; and two web hosts
with different local directories share nothing but PostgreSQL, Redis and the store."""

import datetime
import os
import re
import subprocess
import sys
import time
import urllib.parse
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.files import orphan_files_sweep
from routes.models import Route
from scripts.testenv import free_port
from tests.factories import PASSWORD
from tests.helpers import make_gpx
from tests.own_store import s3_environment

ROOT = Path(__file__).resolve().parent.parent


def _keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.mark.django_db(transaction=True)
def test_a_route_goes_to_the_bucket_and_comes_back_as_an_attachment(object_store, client, organizer, tmp_path):
    bucket, s3 = object_store
    client.force_login(organizer)
    answer = client.post("/routes/new/", {"name": "七里河", "category": "road", "visibility": "public",
                                          "publish": "on", "gpx": SimpleUploadedFile("qilihe.gpx", make_gpx(300))})
    assert answer.status_code == 302
    version = Route.objects.get(name="七里河").current_version
    assert _keys(s3, bucket) == [version.gpx_file.name]  # in the bucket, nowhere else
    stored = s3.get_object(Bucket=bucket, Key=version.gpx_file.name)["Body"].read()
    assert stored == make_gpx(300)

    download = client.get(f"/routes/{version.route.slug}/download/original/")
    assert download.status_code == 200 and b"".join(download) == stored
    assert download["Content-Disposition"].startswith("attachment") and download["X-Content-Type-Options"] == "nosniff"
    assert version.distance_m > 0  # measured from the stored file

    # a file no row holds, older than an hour, is swept from the bucket; the route's file is not
    default_storage.save("routes/orphan.gpx", ContentFile(b"<gpx/>"))
    assert orphan_files_sweep(now=timezone.now() + datetime.timedelta(hours=2)) == 1
    assert _keys(s3, bucket) == [version.gpx_file.name]

    # the backup reads the bucket and the check restores it as taken
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO())
    assert (tmp_path / "backup" / "files" / version.gpx_file.name).read_bytes() == stored
    out = StringIO()
    call_command("restore_check", str(tmp_path / "backup"), stdout=out)
    assert "1 files restored as backed up" in out.getvalue()


def test_a_signed_url_is_short_lived():
    from django.conf import settings
    assert settings.S3_OPTIONS["querystring_auth"] is True and settings.S3_OPTIONS["querystring_expire"] <= 300
    assert settings.S3_OPTIONS["default_acl"] is None and settings.S3_OPTIONS["file_overwrite"] is False


def _host(port: int, media: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "cycling.wsgi"], cwd=ROOT,
                            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1",
                                 "MEDIA_ROOT": str(media)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "ride.test"}, timeout=10).ok:
                return
        except requests.RequestException:  # not listening yet, or still importing under load
            pass
        time.sleep(0.2)
    raise TimeoutError(f"host on {port} did not start")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hosts_share_nothing_but_the_database_redis_and_the_store(object_store, organizer, tmp_path):
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("two hosts need PostgreSQL and Redis (make test starts both)")
    bucket, s3 = object_store
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    # the hosts run the real settings, whose hashers do not read the tests' fast one; a name of its
    # own, so no failed-login count another run left in the same Redis applies to it
    organizer.password = PBKDF2PasswordHasher().encode(PASSWORD, "twohostssalt", iterations=1000)
    organizer.username = f"two-hosts-{bucket}"
    organizer.save(update_fields=["password", "username"])
    database = connection.settings_dict
    url = (f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
           f"{urllib.parse.quote(database['NAME'])}")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "PROMETHEUS"))},
           "DJANGO_SETTINGS_MODULE": "cycling.settings.base", "DATABASE_URL": url, "DEBUG": "false",
           "SECRET_KEY": "two-hosts-" + "x" * 40, "ALLOWED_HOSTS": "ride.test", **s3_environment(bucket)}
    ports = free_port(), free_port()
    hosts = [_host(port, tmp_path / f"media-{i}", env) for i, port in enumerate(ports)]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for port in ports:
            _up(port)
        # a session made on host A holds on host B (both behind one name, as behind a balancer)
        browser = requests.Session()
        browser.headers["Host"] = "ride.test"
        browser.get(f"{a}/accounts/login/")
        login = browser.post(f"{a}/accounts/login/", data={"login": organizer.username, "password": PASSWORD,
                                                             "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                             headers={"Referer": f"{a}/accounts/login/"}, allow_redirects=False)
        assert login.status_code == 302, re.findall(r"class=\"[^\"]*error[^\"]*\"[^>]*>([^<]{0,200})", login.text)
        assert browser.get(f"{b}/me/", allow_redirects=False).status_code == 200
        # a route uploaded through A downloads through B (neither has the other's MEDIA_ROOT)
        page = browser.get(f"{a}/routes/new/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        upload = browser.post(f"{a}/routes/new/", data={"name": "两台主机", "category": "road", "visibility": "public",
                                                         "publish": "on", "csrfmiddlewaretoken": token},
                              files={"gpx": ("two.gpx", make_gpx(250))}, headers={"Referer": f"{a}/routes/new/"},
                              allow_redirects=False)
        assert upload.status_code == 302, upload.text[:500]
        slug = upload.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        download = requests.get(f"{b}/routes/{slug}/download/original/", headers={"Host": "ride.test"}, timeout=30)
        assert download.status_code == 200 and download.content == make_gpx(250)
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert [path for i in range(2) for path in (tmp_path / f"media-{i}").rglob("*") if path.is_file()] == []
        assert len(_keys(s3, bucket)) == 1
        # a rate limit reached on A holds on B: failed log-ins for one account from one address
        stranger = requests.Session()
        stranger.headers["Host"] = "ride.test"
        tried = []
        for _ in range(6):
            stranger.get(f"{a}/accounts/login/")
            tried.append(stranger.post(f"{a}/accounts/login/", data={"login": organizer.username, "password": "wrong",
                                                          "csrfmiddlewaretoken": stranger.cookies["csrftoken"]},
                          headers={"Referer": f"{a}/accounts/login/", "Accept-Language": "en"}).text)
        assert "Too many failed log-ins" not in tried[0] and "Too many failed log-ins" in tried[-1]
        stranger.get(f"{b}/accounts/login/")
        refused = stranger.post(f"{b}/accounts/login/", data={"login": organizer.username, "password": PASSWORD,
                                                                "csrfmiddlewaretoken": stranger.cookies["csrftoken"]},
                                headers={"Referer": f"{b}/accounts/login/", "Accept-Language": "en"},
                                allow_redirects=False)
        assert refused.status_code != 302 and "Too many failed log-ins" in refused.text
    finally:
        for host in hosts:
            host.terminate()
        for host in hosts:
            try:
                host.wait(timeout=20)
            except subprocess.TimeoutExpired:
                host.kill()
