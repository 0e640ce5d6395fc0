"""Set Django up for a benchmark on a throwaway database: SQLite in a temp dir unless DATABASE_URL
(`setup`), or a throwaway PostgreSQL started for the run (`on_postgres`)."""

import contextlib
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


@contextlib.contextmanager
def on_postgres():
    """Django on a throwaway PostgreSQL (scripts/testenv.py starts it), migrated, tasks inline, mail
    dropped; yields False when PostgreSQL is not installed."""
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    from testenv import postgres

    with postgres() as database_url, tempfile.TemporaryDirectory() as scratch:
        if database_url is None:
            print("PostgreSQL not installed")
            yield False
            return
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="cycling.settings.base",
                          MEDIA_ROOT=f"{scratch}/media", LOG_LEVEL="ERROR", DEBUG="false",
                          ALLOWED_HOSTS="testserver", EMAIL_URL="dummymail://")
        os.environ.pop("REDIS_URL", None)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield True
