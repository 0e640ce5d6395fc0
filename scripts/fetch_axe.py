"""Fetch axe-core (the accessibility engine the browser suite runs) from the npm registry, once.

The file is pinned by version and by the registry's sha512 integrity, kept in var/axe/ and injected
into pages by the tests (our Content-Security-Policy allows no script from elsewhere, so it is never
served to visitors). Usage: python scripts/fetch_axe.py  -> prints the path of axe.min.js.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
TARGET = Path(__file__).resolve().parents[1] / "var" / "axe" / f"axe-{VERSION}.min.js"


def axe_path() -> Path:
    """The local axe.min.js, downloaded and checked on first use."""
    if TARGET.exists():
        return TARGET
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        blob = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()
    if digest != INTEGRITY:
        raise RuntimeError(f"axe-core {VERSION}: integrity mismatch ({digest[:24]}...)")
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            raise RuntimeError(f"axe-core {VERSION}: no package/axe.min.js in the tarball")
        script = member.read()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(script)
    return TARGET


if __name__ == "__main__":
    sys.stdout.write(f"{axe_path()}\n")
