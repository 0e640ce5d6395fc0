"""Issue 10: every page carries a Content-Security-Policy without inline script, and uploaded
files are only ever downloads (attachment, nosniff)."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.mark.parametrize("url", ["/", "/events/", "/routes/", "/clubs/", "/accounts/login/", "/api/docs/"])
def test_every_page_has_a_strict_csp(client, db, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in directives["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_or_handler_in_any_template():
    root = Path(settings.BASE_DIR)
    offenders = []
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text()
        for marker in (" onclick=", " onchange=", " onsubmit=", " onload=", " onerror=", "javascript:"):
            if marker in text:
                offenders.append(f"{template.relative_to(root)}: {marker.strip()}")
        for chunk in text.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            if "src=" not in head and "application/json" not in head:
                offenders.append(f"{template.relative_to(root)}: inline <script>")
    assert offenders == []


def test_uploaded_files_are_downloads_never_pages(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "gpx").mkdir()
    (tmp_path / "gpx" / "evil.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/gpx/evil.html")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    response.close()
    assert client.get("/media/../settings.py").status_code in (400, 404)  # never the file
