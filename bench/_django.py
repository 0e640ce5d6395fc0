"""Set Django up for a benchmark on a throwaway database (SQLite in a temp dir unless DATABASE_URL)."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> Path:
    sys.path.insert(0, str(ROOT))
    scratch = Path(tempfile.mkdtemp(prefix="cycling-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cycling.settings.base")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return scratch
