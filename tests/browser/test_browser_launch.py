"""The browser the suite launches keeps Playwright's own switches: Chromium keeps only the last
--disable-features it is given, and ours (RenderDocument off, issue 26) repeats Playwright's list.
A Playwright upgrade that changes its list fails here rather than silently re-enabling a feature."""

import re
from pathlib import Path

import playwright

from tests.browser.conftest import DISABLED, PLAYWRIGHTS_DISABLED


def _playwrights_list() -> list[str]:
    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    source = bundle.read_text(encoding="utf-8")
    block = re.search(r"disabledFeatures = \[(.*?)\];", source, re.S)
    assert block, f"Playwright's disabled features not found in {bundle}"
    return re.findall(r'^\s*"(\w+)"', block.group(1), re.M)


def test_our_disabled_features_are_playwrights_and_render_document():
    theirs = _playwrights_list()
    assert len(theirs) > 5
    assert PLAYWRIGHTS_DISABLED.split(",") == theirs
    assert DISABLED.split(",") == [*theirs, "RenderDocument"]
