"""Negative controls of the lifecycle machine (issue 22): each bug listed at the top of the issue is
put back (monkeypatched, only in this process) and the invariant machine of
tests/events/test_lifecycle_machine.py is run until it fails; prints, per bug, whether it was found,
which invariant caught it and how long it took. One of these controls is kept in `make test`.

Run: .venv/bin/python bench/lifecycle_controls.py [--examples 80] [--steps 30]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from testenv import postgres  # noqa: E402

CONTROLS = ROOT / "bench" / "_lifecycle_controls_test.py"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=80)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of a throwaway PostgreSQL")
    args = parser.parse_args()
    with (contextlib.nullcontext(None) if args.sqlite else postgres()) as url:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cycling.settings.test",
               "CONTROL_EXAMPLES": str(args.examples), "CONTROL_STEPS": str(args.steps)}
        if url:
            env["DATABASE_URL"] = url
        print(f"database: {'PostgreSQL' if url else 'SQLite'}; up to {args.examples} sequences of {args.steps} steps")
        code = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--timeout=0",
                               "--rootdir",
                               str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(CONTROLS)], cwd=ROOT,
                              env=env).returncode
    sys.exit(code)


if __name__ == "__main__":
    main()
