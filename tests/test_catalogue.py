"""The zh-hans catalogue check fails on untranslated, fuzzy, missing or uncompiled messages and
passes on ours. The command runs once as CI runs it; the failures are checked in-process against
one extraction of the source (makemessages is the costly part: 2.5 s a run)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from scripts import check_catalogue

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_catalogue.py"
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def po_copy(tmp_path):
    target = tmp_path / "django.po"
    shutil.copy(PO, target)
    shutil.copy(PO.with_suffix(".mo"), target.with_suffix(".mo"))
    return target


@pytest.fixture(scope="module")
def source():
    return check_catalogue.source_messages()


def test_catalogue_check_passes_on_the_committed_catalogue(po_copy):
    result = subprocess.run([sys.executable, str(SCRIPT), str(po_copy)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problem(s)" in result.stdout


def test_the_command_fails_on_a_broken_catalogue(po_copy):
    po_copy.with_suffix(".mo").unlink()
    result = subprocess.run([sys.executable, str(SCRIPT), str(po_copy)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 1
    assert "missing" in result.stdout


def test_the_source_holds_the_messages_the_pages_use(source):
    assert {(None, "Routes"), (None, "Clubs"), (None, "Insights")} <= set(source)
    assert len(source) > 1000


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
def test_catalogue_check_fails_on_a_broken_entry(po_copy, source, change, said):
    assert check_catalogue.problems(po_copy, source) == []
    catalogue = polib.pofile(str(po_copy))
    change(catalogue)
    catalogue.save()
    catalogue.save_as_mofile(str(po_copy.with_suffix(".mo")))
    found = check_catalogue.problems(po_copy, source)
    assert len(found) == 1, found
    assert all(text in found[0] for text in said)


def test_catalogue_check_fails_on_a_stale_mo(po_copy, source):
    catalogue = polib.pofile(str(po_copy))
    catalogue.find("Events").msgstr = "赛事活动"
    catalogue.save()  # .mo left as it was
    assert [problem for problem in check_catalogue.problems(po_copy, source) if "stale" in problem]
