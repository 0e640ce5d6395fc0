"""Issue 27: the deploy files, each checked by the tool that reads it: gunicorn reads
gunicorn.conf.py, `systemd-analyze verify` the units in deploy/systemd/, `nginx -t` the site in
deploy/nginx/; then nginx runs that site in front of gunicorn on loopback, and what it promises
(static cached, uploads as attachments, the request id) is asked for over HTTPS."""

import contextlib
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scripts.testenv import free_port
from tests.helpers import needs

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "OPENBLAS", "OMP_", "MKL_"))}
    env["DJANGO_SETTINGS_MODULE"] = "cycling.settings.test"
    env.update(extra)
    return env


def test_gunicorn_reads_its_config_one_blas_thread_and_the_timeout():
    printed = subprocess.run([str(VENV_BIN / "gunicorn"), "--print-config", "cycling.wsgi"], cwd=ROOT,
                             env=_env(GUNICORN_WORKERS="5"), capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.M))
    assert config["workers"] == "5" and config["timeout"] == "30"
    assert config["bind"] == "['unix:/run/cycling/gunicorn.sock']"
    for variable in ("OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1"):
        assert variable in config["raw_env"]


def test_gunicorn_runs_fewer_workers_where_the_database_shares_the_cores():
    """cores + 1 on the one machine (PostgreSQL on the same cores: the extra workers only take turns,
    bench/registration_rush.py), gunicorn's 2 x cores + 1 for a web host whose database is elsewhere."""
    import multiprocessing
    import runpy

    default_workers = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["default_workers"]
    here = ["", "sqlite:////var/lib/cycling/db.sqlite3", "postgres://cycling@127.0.0.1:5432/cycling",
            "postgres://cycling@localhost/cycling", "postgres://cycling@[::1]:5432/cycling",
            "postgres://cycling@%2Frun%2Fpostgresql/cycling"]
    elsewhere = ["postgres://cycling@db.internal:5432/cycling", "postgres://cycling@10.0.0.12/cycling"]
    for url in here + elsewhere:
        assert default_workers(4, url) == (5 if url in here else 9), url
    # and gunicorn takes it: a database elsewhere, this machine's cores
    printed = subprocess.run([str(VENV_BIN / "gunicorn"), "--print-config", "cycling.wsgi"], cwd=ROOT,
                             env=_env(DATABASE_URL="postgres://cycling@db.internal:5432/cycling"),
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    workers = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.M))["workers"]
    assert workers == str(multiprocessing.cpu_count() * 2 + 1)


def _units(tmp_path: Path) -> list[Path]:
    """The units as installed on this machine: /srv/cycling is this checkout, its venv ours."""
    environment = tmp_path / "environment"
    environment.write_text("SECRET_KEY=x\n")
    units = []
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        text = unit.read_text().replace("/srv/cycling/.venv/bin", str(VENV_BIN)).replace("/srv/cycling", str(ROOT))
        text = text.replace("/etc/cycling/environment", str(environment))
        (tmp_path / unit.name).write_text(text)
        units.append(tmp_path / unit.name)
    return units


def test_the_systemd_units_verify(tmp_path):
    needs(SYSTEMD_ANALYZE, "systemd-analyze")
    units = _units(tmp_path)
    assert [unit.name for unit in units] == ["cycling-beat.service", "cycling-web.service", "cycling-worker.service"]
    checked = subprocess.run([SYSTEMD_ANALYZE, "verify", *map(str, units)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stdout + checked.stderr
    # negative control: the same tool refuses a unit whose command is missing and says so
    broken = tmp_path / "broken.service"
    broken.write_text(units[1].read_text().replace(str(VENV_BIN / "gunicorn"), "/nonexistent/gunicorn")
                      .replace("Restart=always", "Restart=sometimes"))
    refused = subprocess.run([SYSTEMD_ANALYZE, "verify", str(broken)], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "sometimes" in refused.stderr and "not executable" in refused.stderr


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def _nginx_conf(tmp_path: Path, site: str) -> Path:
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""user root;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""")
    return conf


def _site(tmp_path: Path, *, http: int = 80, https: int = 443, socket_path: str | None = None) -> str:
    cert, key = _certificate(tmp_path)
    site = (ROOT / "deploy" / "nginx" / "cycling.conf").read_text()
    site = site.replace("/etc/cycling/tls/fullchain.pem", str(cert)).replace("/etc/cycling/tls/privkey.pem", str(key))
    site = site.replace("/srv/cycling/staticfiles/", f"{tmp_path}/static/").replace("/srv/cycling/var/media/",
                                                                                   f"{tmp_path}/media/")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    site = re.sub(r"listen \[::\]:443 ssl http2;", "", site)
    if socket_path:
        site = site.replace("unix:/run/cycling/gunicorn.sock", f"unix:{socket_path}")
    return site


def test_nginx_accepts_the_site(tmp_path):
    needs(NGINX, "nginx")
    conf = _nginx_conf(tmp_path, _site(tmp_path))
    checked = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr
    broken = _nginx_conf(tmp_path, _site(tmp_path).replace("client_max_body_size 25m;", "client_max_body_size 25m"))
    refused = subprocess.run([NGINX, "-t", "-c", str(broken)], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "test failed" in refused.stderr  # negative control


def _wait_for(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            result = check()
            if result:
                return result
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_nginx_in_front_of_gunicorn_serves_as_the_files_promise(tmp_path):
    """One web host as deployed: nginx (TLS) -> gunicorn (unix socket, gunicorn.conf.py) -> Django."""
    needs(NGINX, "nginx")
    sock = tmp_path / "gunicorn.sock"
    http, https = free_port(), free_port()
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body{}")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "route.gpx").write_text("<gpx><script>alert(1)</script></gpx>")
    (tmp_path / "media" / "private" / "documents" / "1").mkdir(parents=True)
    (tmp_path / "media" / "private" / "documents" / "1" / "abc.pdf").write_bytes(b"%PDF-1.4 a health certificate")
    conf = _nginx_conf(tmp_path, _site(tmp_path, http=http, https=https, socket_path=str(sock)))
    web = subprocess.Popen([str(VENV_BIN / "gunicorn"), "cycling.wsgi"], cwd=ROOT,
                           env=_env(GUNICORN_BIND=f"unix:{sock}", GUNICORN_WORKERS="1", ALLOWED_HOSTS="localhost"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE

    def get(path: str, port: int = https, scheme: str = "https"):
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                             _NoRedirect())
        request = urllib.request.Request(f"{scheme}://127.0.0.1:{port}{path}",  # noqa: S310 - http(s) only
                                         headers={"Host": "localhost"})
        try:
            with opener.open(request, timeout=10) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    try:
        _wait_for(sock.exists)
        status, headers, body = _wait_for(lambda: get("/healthz"))
        assert status == 200 and b"ok" in body
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"] or "")  # nginx's $request_id, echoed
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        status, headers, _ = get("/events/", port=http, scheme="http")
        assert status == 301 and headers["Location"] == "https://localhost/events/"
        status, headers, body = get("/static/site.css")
        assert status == 200 and headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
        assert body == b"body{}" and headers["Strict-Transport-Security"] == "max-age=31536000"
        status, headers, _ = get("/media/route.gpx")
        assert status == 200 and headers["Content-Disposition"] == "attachment"
        assert headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in headers["Content-Security-Policy"]
        status, _headers, body = get("/media/private/documents/1/abc.pdf")  # riders' documents: never as media
        assert status == 404 and b"health certificate" not in body
        assert get("/metrics")[0] == 404  # reached from loopback; without METRICS_TOKEN set it is not there
    finally:
        for process in (proxy, web):
            process.terminate()
        for process in (proxy, web):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
