"""Fail when the zh-hans catalogue misses, leaves untranslated or fuzzy any msgid, or is not compiled.

Re-extracts every message from the source into a scratch copy of locale/zh_Hans (the real one
is not touched), then checks that copy, and that the committed .mo matches the committed .po.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
IGNORE = [".venv", "var", "staticfiles", "locale", "tests", "bench", "scripts", "node_modules", "demo"]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cycling.settings.test")
    import django
    import polib
    from django.core.management import call_command
    from django.test.utils import override_settings

    django.setup()
    problems: list[str] = []
    if not PO.exists() or not MO.exists():
        print(f"catalogue: {PO} or its compiled .mo is missing; run `make messages`")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "zh_Hans" / "LC_MESSAGES" / "django.po"
        scratch.parent.mkdir(parents=True)
        shutil.copy(PO, scratch)
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            with override_settings(LOCALE_PATHS=[tmp]):
                call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, no_obsolete=True,
                             verbosity=0)
        finally:
            os.chdir(cwd)
        fresh = polib.pofile(str(scratch))
        committed = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
        for entry in fresh:
            if entry.obsolete:
                continue
            where = entry.occurrences[0][0] if entry.occurrences else "?"
            if entry.msgid not in committed:
                problems.append(f"not in locale/zh_Hans (run `make messages`): {entry.msgid!r} ({where})")
            elif "fuzzy" in entry.flags:
                problems.append(f"fuzzy: {entry.msgid!r} ({where})")
            elif not entry.translated():
                problems.append(f"untranslated: {entry.msgid!r} ({where})")
    po_entries = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                  for e in polib.pofile(str(PO)) if e.translated() and not e.obsolete}
    mo_entries = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                  for e in polib.mofile(str(MO)) if e.msgid}
    if po_entries != mo_entries:
        problems.append("locale/zh_Hans django.mo is stale: run `make messages` (compilemessages)")
    if shutil.which("msgfmt"):
        check = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(PO)], capture_output=True, text=True)
        if check.returncode != 0:
            problems.append(f"msgfmt --check: {check.stderr.strip()}")
    for problem in problems:
        print(f"catalogue: {problem}")
    print(f"catalogue: {len(fresh)} zh-hans messages checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
