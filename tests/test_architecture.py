"""The import rules of docs/architecture.md, checked on the source: no module imports itself back
(directly or in a circle), apps depend one way (a template's {% load %} of another app's tags
counts as an import), no app imports the composition root `cycling`, inside every app the layers
run models <- selectors <- services <- (api, views, tasks), no services or selectors module
grows past MAX_LINES, and views read through selectors, not the ORM."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "accounts", "routes", "events", "payments", "clubs", "industry", "timing")
# Who may import whom (an app may always import itself). Lower apps never import higher ones:
# clubs and industry build on events; events on routes; everything on accounts and core.
ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "routes": {"core", "accounts"},
    "events": {"core", "accounts", "routes"},
    "payments": {"core", "accounts", "routes", "events"},
    "clubs": {"core", "accounts", "routes", "events", "payments"},
    "industry": {"core", "accounts", "routes", "events"},
    "timing": {"core", "accounts", "routes", "events"},
}
# A module of a lower layer never imports a higher one, in its own app or another.
LAYER = {"models": 0, "selectors": 1, "services": 2, "api": 3, "views": 3, "tasks": 3}


def _modules() -> dict[str, Path]:
    found = {}
    for app in (*APPS, "cycling"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every project module the file imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                out.add(name)
    return out


LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def template_loads(root: Path = ROOT) -> dict[str, set[str]]:
    """Each app's templates (as `<app>.templates`) and the project modules their {% load %} tags
    import: a library `name` found as `<app>/templatetags/name.py` is that module."""
    libraries = {path.stem: ".".join(path.relative_to(root).with_suffix("").parts)
                 for app in APPS for path in (root / app / "templatetags").glob("*.py") if path.stem != "__init__"}
    out: dict[str, set[str]] = {}
    for app in APPS:
        for path in (root / app / "templates").rglob("*.html"):
            for match in LOAD.finditer(path.read_text(encoding="utf-8")):
                words = match.group(1).split()
                names = words[words.index("from") + 1:] if "from" in words else words
                out.setdefault(f"{app}.templates", set()).update(libraries[n] for n in names if n in libraries)
    return out


def graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    edges = {name: imports_of(path, known) - {name} for name, path in modules.items()}
    for name, targets in template_loads().items():
        edges.setdefault(name, set()).update(targets)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _package_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's __init__ re-exporting its modules is not a circle: count it as its modules."""
    return {name: {t for t in targets if not name.startswith(t + ".")} for name, targets in edges.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYER.get(parts[1]) if len(parts) > 1 else None


def test_no_module_imports_itself_back():
    assert cycles(_package_edges(graph())) == []


def test_apps_depend_one_way_and_none_imports_the_composition_root():
    wrong = sorted(f"{source} -> {target}" for source, targets in graph().items() for target in targets
                   if _app(source) in ALLOWED and _app(target) != _app(source)
                   and _app(target) not in ALLOWED[_app(source)])
    assert wrong == []


def test_layers_run_one_way():
    wrong = sorted(f"{source} -> {target}" for source, targets in graph().items() for target in targets
                   if _app(source) in ALLOWED and (low := _layer(source)) is not None
                   and (high := _layer(target)) is not None and high > low)
    assert wrong == []


MAX_LINES = 400  # a services or selectors module past this holds several sub-domains: split it (issue 26)


def test_no_services_or_selectors_module_is_a_hall():
    long = sorted(f"{name}: {lines} lines" for name, path in _modules().items()
                  if _layer(name) in (LAYER["selectors"], LAYER["services"])
                  and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES)
    assert long == []


ORM_READ = re.compile(r"\.objects\b|\.(filter|exclude|annotate|aggregate|values_list|select_related|"
                      r"prefetch_related|order_by|count|exists)\(|get_object_or_404")
# Views that still read the ORM themselves, and how many reads (none left: every view reads through selectors).
ORM_READS_LEFT: dict[str, int] = {}


def orm_reads(path: Path) -> int:
    return sum(len(ORM_READ.findall(line)) for line in path.read_text(encoding="utf-8").splitlines()
               if not line.lstrip().startswith(("#", "from ", "import ")))


def test_views_read_through_selectors():
    found = {name: n for name, path in _modules().items()
             if _layer(name) == LAYER["views"] and name.split(".")[1] == "views" and (n := orm_reads(path))}
    assert found == ORM_READS_LEFT


def test_the_orm_read_finder_sees_reads(tmp_path):
    view = tmp_path / "views.py"
    view.write_text("def v(r):\n    x = Event.objects.all()\n    return r.user.orders.filter(a=1).count()\n")
    assert orm_reads(view) == 3


def test_a_template_load_of_another_apps_tags_counts_as_an_import(tmp_path):
    (tmp_path / "payments" / "templatetags").mkdir(parents=True)
    (tmp_path / "payments" / "templatetags" / "money_tags.py").write_text("")
    (tmp_path / "accounts" / "templates" / "accounts").mkdir(parents=True)
    (tmp_path / "accounts" / "templates" / "accounts" / "me.html").write_text("{% load i18n money_tags %}")
    assert template_loads(tmp_path) == {"accounts.templates": {"payments.templatetags.money_tags"}}


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_circles(edges, expected):
    assert cycles(edges) == expected  # the negative control: the checks above can fail


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from events.services import checkin\n    import routes.geo\n")
    assert imports_of(source, {"events.services", "routes.geo", "routes"}) == {"events.services", "routes.geo"}


def test_the_module_map_in_docs_is_current():
    """docs/architecture.md lists every module with one line (scripts/module_map.py writes it)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "module_map.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
