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
IGNORE = [".venv", "var", "staticfiles", "locale", "tests", "bench", "scripts", "node_modules", "demo"]


def main(po_path: Path = PO) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cycling.settings.test")
    import django
    import polib
    from django.core.management import call_command
    from django.test.utils import override_settings

    django.setup()
    problems: list[str] = []
    po_file, mo_file = po_path, po_path.with_suffix(".mo")
    if not po_file.exists() or not mo_file.exists():
        print(f"catalogue: {po_file} or its compiled .mo is missing; run `make messages`")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        # makemessages writes into any ./locale it can see, so it runs in a mirror of the tree
        # (symlinks, without locale/) and writes into a scratch catalogue seeded with ours.
        mirror, locale_dir = Path(tmp) / "src", Path(tmp) / "locale"
        mirror.mkdir()
        for entry in ROOT.iterdir():
            if entry.name not in (*IGNORE, ".git"):
                (mirror / entry.name).symlink_to(entry)
        scratch = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
        scratch.parent.mkdir(parents=True)
        shutil.copy(po_file, scratch)
        cwd = os.getcwd()
        os.chdir(mirror)
        try:
            with override_settings(LOCALE_PATHS=[str(locale_dir)]):
                call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, no_obsolete=True,
                             symlinks=True, verbosity=int(os.environ.get("CATALOGUE_VERBOSITY", "0")))
        finally:
            os.chdir(cwd)
        fresh = polib.pofile(str(scratch))
        committed = {e.msgid for e in polib.pofile(str(po_file)) if not e.obsolete}
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
                  for e in polib.pofile(str(po_file)) if e.translated() and not e.obsolete}
    mo_entries = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                  for e in polib.mofile(str(mo_file)) if e.msgid}
    if po_entries != mo_entries:
        problems.append("locale/zh_Hans django.mo is stale: run `make messages` (compilemessages)")
    if shutil.which("msgfmt"):
        check = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(po_file)], capture_output=True, text=True)
        if check.returncode != 0:
            problems.append(f"msgfmt --check: {check.stderr.strip()}")
    for problem in problems:
        print(f"catalogue: {problem}")
    print(f"catalogue: {len(fresh)} zh-hans messages checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else PO))
