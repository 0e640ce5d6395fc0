"""The module map of docs/architecture.md: every module of every app, one line each (the first
sentence of its docstring), written between the MODULES markers. `--check` fails when the map is
not current (tests/test_architecture.py runs it), so the map stays true when code moves.

Usage: python scripts/module_map.py [--check]
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "accounts", "routes", "events", "payments", "clubs", "industry", "timing", "cycling")
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- MODULES: made by scripts/module_map.py -->", "<!-- /MODULES -->"
PLAIN = {"apps.py": "the app's configuration (ready() connects its receivers and ports)",
         "urls.py": "URL patterns", "admin.py": "the admin (read-only where a service owns the writes)",
         "__init__.py": "package"}
WIDTH = 110


def summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.split())
    if not text:
        return PLAIN.get(path.name, "")
    for stop in (". ", ": "):
        if stop in text[:WIDTH]:
            text = text[:text.index(stop)]
            break
    return text if len(text) <= WIDTH else text[:WIDTH - 1].rsplit(" ", 1)[0] + "…"


def module_map() -> str:
    lines = [START]
    for app in APPS:
        lines.append(f"\n**{app}/**\n")
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or (path.name == "__init__.py" and path.stat().st_size == 0):
                continue
            if "templates" in relative.parts:  # makemessages writes a template's "x.html.py" there for a moment
                continue
            lines.append(f"- `{relative.as_posix()}`: {summary(path)}".rstrip(": "))
    lines.append(END)
    return "\n".join(lines)


def main(check: bool) -> int:
    text = DOC.read_text(encoding="utf-8")
    if START not in text:
        print(f"{DOC}: no {START} marker", file=sys.stderr)
        return 1
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    new = before + module_map() + after
    if check:
        if new != text:
            print("docs/architecture.md's module map is not current: run python scripts/module_map.py",
                  file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
