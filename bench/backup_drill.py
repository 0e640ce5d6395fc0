"""The restore drill at season size: the demo plus N registrations (100,000 by default) on a
throwaway PostgreSQL, then `backup` and `restore_check` timed (docs/operations.md, "Backups").

Run: .venv/bin/python bench/backup_drill.py [--registrations 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from testenv import postgres  # noqa: E402

FILL = """
import sys, django
django.setup()
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.utils import timezone
from accounts.models import User
from events.models import Event, Registration
call_command("load_demo", stdout=open("/dev/null", "w"))
n = int(sys.argv[1])
event = Event.objects.order_by("pk").first()
category = event.categories.order_by("pk").first()
password, now = make_password(None), timezone.now()
for start in range(0, n, 10_000):
    users = User.objects.bulk_create(User(username=f"season{i}", display_name=f"骑手{i}", real_name=f"王{i}",
                                          mobile=f"+86138{i:08d}", password=password)
                                     for i in range(start, min(n, start + 10_000)))
    Registration.objects.bulk_create(Registration(event=event, category=category, rider=u, status="confirmed",
                                                  queued_at=now, confirmed_at=now, answers={"jersey": "M"})
                                     for u in users)
print(Registration.objects.count())
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=100_000)
    options = parser.parse_args()
    with postgres() as database_url, tempfile.TemporaryDirectory() as scratch:
        if database_url is None:
            print("PostgreSQL not installed")
            return 1
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "cycling.settings.base",
               "MEDIA_ROOT": f"{scratch}/media", "LOG_LEVEL": "WARNING"}
        env.pop("REDIS_URL", None)
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.monotonic()
        total = subprocess.run([python, "-c", FILL, str(options.registrations)], cwd=ROOT, env=env, check=True,
                               capture_output=True, text=True).stdout.split()[-1]
        print(f"filled: demo + {options.registrations} registrations ({total} in all) in "
              f"{time.monotonic() - started:.1f} s")
        for step in ("backup", "restore_check"):
            started = time.monotonic()
            ran = subprocess.run([python, "manage.py", step, f"{scratch}/backup"], cwd=ROOT, env=env,
                                 capture_output=True, text=True)
            print(f"{step}: exit {ran.returncode} in {time.monotonic() - started:.1f} s (command included)")
            print("  " + (ran.stdout + ran.stderr).strip().replace("\n", "\n  "))
        size = sum(f.stat().st_size for f in Path(scratch, "backup").rglob("*") if f.is_file())
        print(f"backup size: {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
