"""Fail when the zh-hans catalogue misses, leaves untranslated or fuzzy any msgid, or is not compiled.

Re-extracts every message from the source into a scratch catalogue (the real one is not touched),
then checks each against locale/zh_Hans, and that the committed .mo matches the committed .po.
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


def source_messages() -> dict[tuple[str | None, str], str]:
    """Every (msgctxt, msgid) in the source, with where it first occurs,, extracted by makemessages into a
    scratch catalogue: the real locale/ is not touched."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cycling.settings.test")
    import django
    import polib
    from django.core.management import call_command
    from django.test.utils import override_settings

    django.setup()
    with tempfile.TemporaryDirectory() as tmp:
        # makemessages writes into any ./locale it can see, so it runs in a mirror of the tree
        # (symlinks, without locale/) and writes into a scratch catalogue.
        mirror, locale_dir = Path(tmp) / "src", Path(tmp) / "locale"
        mirror.mkdir()
        for entry in ROOT.iterdir():
            if entry.name not in (*IGNORE, ".git"):
                (mirror / entry.name).symlink_to(entry)
        scratch = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
        scratch.parent.mkdir(parents=True)
        cwd = os.getcwd()
        os.chdir(mirror)
        try:
            with override_settings(LOCALE_PATHS=[str(locale_dir)]):
                call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, no_obsolete=True,
                             symlinks=True, verbosity=int(os.environ.get("CATALOGUE_VERBOSITY", "0")))
        finally:
            os.chdir(cwd)
        return {(entry.msgctxt, entry.msgid): (entry.occurrences[0][0] if entry.occurrences else "?")
                for entry in polib.pofile(str(scratch)) if not entry.obsolete and entry.msgid}


def missing(po_path: Path) -> list[str]:
    """The catalogue or its compiled .mo missing (found before reading the source)."""
    if not po_path.exists() or not po_path.with_suffix(".mo").exists():
        return [f"{po_path} or its compiled .mo is missing; run `make messages`"]
    return []


def problems(po_path: Path, source: dict[tuple[str | None, str], str]) -> list[str]:
    """What is wrong with the catalogue at po_path (and its .mo) for these source messages."""
    import polib

    found: list[str] = missing(po_path)
    if found:
        return found
    po_file, mo_file = po_path, po_path.with_suffix(".mo")
    entries = [e for e in polib.pofile(str(po_file)) if not e.obsolete]
    committed = {(e.msgctxt, e.msgid): e for e in entries}
    for (context, msgid), where in source.items():
        entry = committed.get((context, msgid))
        if entry is None:
            found.append(f"not in locale/zh_Hans (run `make messages`): {msgid!r} ({where})")
        elif "fuzzy" in entry.flags:
            found.append(f"fuzzy: {msgid!r} ({where})")
        elif not entry.translated():
            found.append(f"untranslated: {msgid!r} ({where})")
    po_entries = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                  for e in entries if e.translated()}
    mo_entries = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                  for e in polib.mofile(str(mo_file)) if e.msgid}
    if po_entries != mo_entries:
        found.append("locale/zh_Hans django.mo is stale: run `make messages` (compilemessages)")
    if shutil.which("msgfmt"):
        check = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(po_file)], capture_output=True, text=True)
        if check.returncode != 0:
            found.append(f"msgfmt --check: {check.stderr.strip()}")
    return found


def main(po_path: Path = PO) -> int:
    found = missing(po_path)  # (nothing to compare the source with: not extracted, ~2.5 s)
    source = {} if found else source_messages()
    found = found or problems(po_path, source)
    for problem in found:
        print(f"catalogue: {problem}")
    print(f"catalogue: {len(source)} zh-hans messages checked, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else PO))
