"""Nothing but the doors of core.transitions assigns a lifecycle status (issue 22): the source of
every app is read, and an assignment to `.status` or an `update(status=...)` outside
core/transitions.py is a finding. Models whose status is not part of a seat's lifecycle (the
outbox, sales imports, routes) keep their own simple writes and are listed here by file."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "accounts", "routes", "events", "payments", "clubs", "industry", "cycling")
# files whose `status` belongs to something else than a seat, its money or an offer
OTHER_STATUSES = {"core/outbox.py", "industry/sales.py", "industry/demo.py", "cycling/demo.py",
                  "routes/services/library.py", "routes/services/rides.py"}
DOOR = "core/transitions.py"
# explicit exceptions, each on its line: a held seat released is deleted (the caller's object is
# marked cancelled); a row being inserted gets its first status (recorded by core.transitions.created)
MARKERS = ("# in memory: the row was deleted", "# a new row: its first status")


def findings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                targets += target.elts if isinstance(target, ast.Tuple) else [target]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status" and not any(
                    m in lines[node.lineno - 1] for m in MARKERS):
                out.append(f"{path.relative_to(ROOT)}:{node.lineno}: assigns .status")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
                and any(k.arg == "status" for k in node.keywords)):
            out.append(f"{path.relative_to(ROOT)}:{node.lineno}: update(status=...)")
    return out


def test_only_the_transition_doors_assign_a_status():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            if "migrations" in path.parts or rel in OTHER_STATUSES or rel == DOOR:
                continue
            found += findings(path)
    assert found == []


def test_the_check_finds_a_status_written_past_the_door(tmp_path):
    """Negative control: the three shapes a stray write takes are each found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f(order, qs):\n    order.status = 'paid'\n    a.status, b = 1, 2\n"
                   "    qs.update(status='cancelled')\n", encoding="utf-8")
    found = findings_of(bad)
    assert len(found) == 3


def findings_of(path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return findings(path)
    finally:
        ROOT = saved
