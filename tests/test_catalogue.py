"""The zh-hans catalogue check fails on untranslated or fuzzy messages and passes on ours."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_catalogue.py"
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _run(po: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(po)], capture_output=True, text=True, timeout=180)


@pytest.fixture
def po_copy(tmp_path):
    target = tmp_path / "django.po"
    shutil.copy(PO, target)
    shutil.copy(PO.with_suffix(".mo"), target.with_suffix(".mo"))
    return target


def test_catalogue_check_passes_on_the_committed_catalogue(po_copy):
    result = _run(po_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problem(s)" in result.stdout


def _check_after(po_copy, change):
    """Run the check on a copy of the catalogue changed by `change` (compiled again)."""
    catalogue = polib.pofile(str(po_copy))
    change(catalogue)
    catalogue.save()
    catalogue.save_as_mofile(str(po_copy.with_suffix(".mo")))
    return _run(po_copy)


def _fuzzy(catalogue):
    catalogue.find("Routes").flags.append("fuzzy")


def _untranslated(catalogue):
    catalogue.find("Clubs").msgstr = ""


def _missing(catalogue):
    catalogue.remove(catalogue.find("Insights"))


@pytest.mark.parametrize(("change", "said"), [
    (_fuzzy, ["fuzzy: 'Routes'"]),
    (_untranslated, ["untranslated: 'Clubs'"]),
    (_missing, ["not in locale/zh_Hans", "Insights"]),
], ids=["fuzzy", "untranslated", "missing"])
def test_catalogue_check_fails_on_a_broken_entry(po_copy, change, said):
    result = _check_after(po_copy, change)
    assert result.returncode == 1
    assert all(text in result.stdout for text in said)


def test_catalogue_check_fails_on_a_stale_mo(po_copy):
    catalogue = polib.pofile(str(po_copy))
    catalogue.find("Events").msgstr = "赛事活动"
    catalogue.save()  # .mo left as it was
    result = _run(po_copy)
    assert result.returncode == 1
    assert "stale" in result.stdout
