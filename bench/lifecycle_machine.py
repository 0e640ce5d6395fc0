"""The lifecycle invariant machine (tests/events/test_lifecycle_machine.py) run longer than in
`make test` and with new random sequences each run, on a throwaway PostgreSQL when initdb is
installed (else SQLite): prints sequences run, steps checked, group payments, time, steps per second.

Run: .venv/bin/python bench/lifecycle_machine.py [--examples 100] [--steps 40] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from testenv import postgres  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    with postgres() as url:
        env = {**os.environ, "LIFECYCLE_EXAMPLES": str(args.examples), "LIFECYCLE_STEPS": str(args.steps),
               "DJANGO_SETTINGS_MODULE": "cycling.settings.test", "LIFECYCLE_REPORT": "1",
               "LIFECYCLE_RANDOM": "1"}  # new sequences each run (make test replays the same ones)
        if url:
            env["DATABASE_URL"] = url
        print(f"database: {'PostgreSQL' if url else 'SQLite'}; {args.examples} sequences of up to {args.steps} steps")
        code = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--timeout=0",
                               "tests/events/test_lifecycle_machine.py::test_the_lifecycle_invariants_hold_over_random_"
                               "sequences"], cwd=ROOT, env=env).returncode
    sys.exit(code)


if __name__ == "__main__":
    main()
