"""Statistical disclosure control for public tables: primary and complementary suppression. No Django.

A table of counts is published with its row totals, column totals (when it has them) and grand
total. Every count under THRESHOLD is hidden (primary suppression). A hidden count must not be
derivable from what is published: for every hidden count, the smallest and largest values it can
take given the published counts and totals (a linear programme: non-negative counts that add up
to the totals) must lie more than WIDTH apart. Where they do not, the smallest published count that
shares a row or column total with it is hidden too (complementary suppression), and the check runs
again, as statistics offices do (e.g. tau-argus's hypercube and modular methods, here in their
simplest form for small tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

THRESHOLD = 5
WIDTH = 5


class _Programme:
    """Non-negative numbers meeting every equation (sum of coefficient x number = 0) and inequality
    (<= 0), the hidden ones unknown and the others known: each bound of one hidden number is one
    linear programme (HiGHS, core.lp: the constraints passed once for all of them)."""

    def __init__(self, values, equations: list[dict[int, float]], inequalities: list[dict[int, float]],
                 hidden: set[int]) -> None:
        self.unknown = sorted(hidden)
        self.at = {k: n for n, k in enumerate(self.unknown)}

        def rows(source: list[dict[int, float]]):
            a, b = [], []
            for eq in source:
                if not any(k in hidden for k in eq):
                    continue
                row = np.zeros(len(self.unknown))
                rhs = 0.0
                for k, coefficient in eq.items():
                    if k in hidden:
                        row[self.at[k]] += coefficient
                    else:
                        rhs -= coefficient * values[k]
                a.append(row)
                b.append(rhs)
            return a or None, b or None

        (a_eq, b_eq), (a_ub, b_ub) = rows(equations), rows(inequalities)
        # (imported here: scipy's HiGHS costs ~0.5 s at import, paid otherwise by every process that
        # loads the URLs)
        from core.lp import Polytope  # noqa: PLC0415

        self.polytope = Polytope(len(self.unknown), a_eq, b_eq, a_ub, b_ub)

    def lowest(self, k: int) -> float:
        found = self.polytope.lowest(self.at[k])
        return 0.0 if found is None else found

    def highest(self, k: int) -> float:
        found = self.polytope.highest(self.at[k])
        return math.inf if found is None else found


def feasible(values, equations: list[dict[int, float]], inequalities: list[dict[int, float]], hidden: set[int], *,
             only: list[int] | None = None, stop=None) -> dict[int, tuple[float, float]]:
    """The smallest and largest value each hidden number (or each of `only`) can take, the others
    being known (see _Programme); stops after the first number for which `stop(k, lo, hi)` holds,
    when given."""
    if not hidden:
        return {}
    programme = _Programme(values, equations, inequalities, hidden)
    out = {}
    for k in (programme.unknown if only is None else only):
        lo, hi = programme.lowest(k), programme.highest(k)
        out[k] = (lo, hi)
        if stop is not None and stop(k, lo, hi):
            break
    return out


@dataclass
class Protected:
    """What may be published: None where a count is hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None] | None
    total: int | None


class _Table:
    """Every published or hidden number of the table as one vector: cells, row totals, column
    totals, grand total; and the equations tying them."""

    def __init__(self, cells: list[list[int]], with_columns: bool) -> None:
        self.rows, self.cols = len(cells), len(cells[0]) if cells else 0
        self.with_columns = with_columns
        values = [v for row in cells for v in row]
        values += [sum(row) for row in cells]
        if with_columns:
            values += [sum(cells[i][j] for i in range(self.rows)) for j in range(self.cols)]
        values.append(sum(sum(row) for row in cells))
        self.values = np.array(values, dtype=float)
        self.equations: list[dict[int, float]] = []
        for i in range(self.rows):  # a row's cells add up to its total
            eq = {i * self.cols + j: 1.0 for j in range(self.cols)}
            eq[self.row_total(i)] = -1.0
            self.equations.append(eq)
        if with_columns:
            for j in range(self.cols):
                eq = {i * self.cols + j: 1.0 for i in range(self.rows)}
                eq[self.col_total(j)] = -1.0
                self.equations.append(eq)
            eq = {self.col_total(j): 1.0 for j in range(self.cols)}
            eq[self.grand()] = -1.0
            self.equations.append(eq)
        eq = {self.row_total(i): 1.0 for i in range(self.rows)}
        eq[self.grand()] = -1.0
        self.equations.append(eq)

    def row_total(self, i: int) -> int:
        return self.rows * self.cols + i

    def col_total(self, j: int) -> int:
        return self.rows * self.cols + self.rows + j

    def grand(self) -> int:
        return len(self.values) - 1

    def ranges(self, hidden: set[int], *, first_narrower_than: float | None = None) -> dict[int, tuple[float, float]]:
        """The smallest and largest value each hidden number can take given the published ones
        (stopping at the first range no wider than `first_narrower_than`, when given)."""
        return feasible(self.values, self.equations, [], hidden, stop=None if first_narrower_than is None else
                        (lambda k, lo, hi: hi - lo <= first_narrower_than))

    def partners(self, k: int) -> set[int]:
        """The numbers sharing an equation with k."""
        return {other for eq in self.equations if k in eq for other in eq if other != k}


def _line_pass(table: _Table, hidden: set[int], width: int) -> None:
    """The cheap first round: in every equation holding hidden numbers, hide the smallest published
    one while only one is hidden or the hidden ones add up to no more than `width`."""
    changed = True
    while changed:
        changed = False
        for eq in table.equations:
            members = [k for k in eq if k != table.grand()] if table.grand() in eq else list(eq)
            inside = [k for k in members if k in hidden]
            if not inside:
                continue
            if len(inside) == 1 or sum(table.values[k] for k in inside) <= width:
                published = [k for k in members if k not in hidden]
                if published:
                    hidden.add(min(published, key=lambda k: table.values[k]))
                    changed = True


def protect(cells: list[list[int]], *, with_columns: bool = True, threshold: int = THRESHOLD,
            width: int = WIDTH) -> Protected:
    """Hide every count under `threshold`, and whatever else keeps each hidden count's feasible
    range wider than `width`. A one-row table (`with_columns=False`) is a list of counts whose total
    is known (e.g. riders by gender, when the number of riders is published elsewhere)."""
    table = _Table(cells, with_columns)
    hidden = {k for k, v in enumerate(table.values) if v < threshold}
    if table.grand() in hidden:
        hidden = set(range(len(table.values)))
    _line_pass(table, hidden, width)
    while True:
        ranges = table.ranges(hidden, first_narrower_than=width)
        exposed = [k for k, (lo, hi) in ranges.items() if hi - lo <= width]
        if not exposed:
            break
        k = exposed[0]
        candidates = [p for p in table.partners(k) if p not in hidden]
        if not candidates:  # nothing beside it is published: hide the smallest published number anywhere
            candidates = [p for p in range(len(table.values)) if p not in hidden]
        if not candidates:
            break
        # the smallest published number beside it (a grand total last)
        hidden.add(min(candidates, key=lambda p: (p == table.grand(), table.values[p])))
    values = [None if k in hidden else int(v) for k, v in enumerate(table.values)]
    n = table.rows * table.cols
    cells_out = [values[i * table.cols:(i + 1) * table.cols] for i in range(table.rows)]
    row_totals = values[n:n + table.rows]
    col_totals = values[n + table.rows:n + table.rows + table.cols] if with_columns else None
    return Protected(cells_out, row_totals, col_totals, values[-1])


def feasible_ranges(cells: list[list[int]], published: Protected) -> list[tuple[str, float, float]]:
    """For a check: (which number, lowest, highest) for every hidden number of a published table."""
    table = _Table(cells, published.col_totals is not None)
    shown = [v for row in published.cells for v in row] + list(published.row_totals)
    if published.col_totals is not None:
        shown += list(published.col_totals)
    shown.append(published.total)
    hidden = {k for k, v in enumerate(shown) if v is None}
    return [(str(k), lo, hi) for k, (lo, hi) in sorted(table.ranges(hidden).items())]


# --- Tables published together ---------------------------------------------------------------------
#
# Public tables share totals: the monthly participants and each breakdown (gender, age, locality,
# bike origin, county by event kind) all add up to the same confirmed entries; a month's first-time
# riders are at most its participants; the locality list's "outside" and "not given" are rows of the
# county table and its "local" is the sum of Xingtai's counties. Protecting each table alone leaves
# those links to an attacker (a linear programme pinned a hidden month to [44, 45] from the first-time
# riders beside it). `Joint` holds every number of every table in one vector with each table's own
# equations and the links between them, and protects them together.


@dataclass
class Part:
    """One table inside a Joint: where its numbers start in the joint vector."""

    start: int
    table: _Table

    def cell(self, i: int, j: int) -> int:
        return self.start + i * self.table.cols + j

    def row_total(self, i: int) -> int:
        return self.start + self.table.row_total(i)

    def col_total(self, j: int) -> int:
        return self.start + self.table.col_total(j)

    def grand(self) -> int:
        return self.start + self.table.grand()


@dataclass
class JointProtected:
    """What may be published for each table, and which hidden numbers are hidden only to protect
    others (labelled "hidden", never "<5": they are not small)."""

    tables: dict[str, Protected]
    secondary: dict[str, set[tuple[str, int, int]]]  # table -> {("cell", i, j), ("row", i, 0), ...}


class Joint:
    def __init__(self) -> None:
        self.values: list[float] = []
        self.equations: list[dict[int, float]] = []
        self.inequalities: list[dict[int, float]] = []  # sum of coefficient x number <= 0
        self.parts: dict[str, Part] = {}
        self.public: set[int] = set()  # numbers published elsewhere whatever we do (results by name)

    def add(self, name: str, cells: list[list[int]], *, with_columns: bool, public: bool = False) -> Part:
        """A table; `public`: figures anyone can count elsewhere (never hidden, never protected: they
        only tell the attacker more)."""
        table = _Table(cells, with_columns)
        start = len(self.values)
        self.values += [float(v) for v in table.values]
        self.equations += [{start + k: c for k, c in eq.items()} for eq in table.equations]
        part = self.parts[name] = Part(start, table)
        if public:
            self.public.update(range(start, len(self.values)))
        return part

    def equal(self, a: int | list[int], b: int | list[int]) -> None:
        """The sum of the numbers `a` equals the sum of the numbers `b`."""
        eq: dict[int, float] = {}
        for k in [a] if isinstance(a, int) else a:
            eq[k] = eq.get(k, 0.0) + 1.0
        for k in [b] if isinstance(b, int) else b:
            eq[k] = eq.get(k, 0.0) - 1.0
        self.equations.append(eq)

    def at_most(self, a: int, b: int) -> None:
        self.inequalities.append({a: 1.0, b: -1.0})

    def first_exposed(self, hidden: set[int], pending: list[int], width: float) -> tuple[int | None, list[int]]:
        """The first of `pending` (hidden numbers) that an attacker can pin: its range, given
        everything published, lies within +-width of its true value (a count of zero names nobody
        and needs no protection); and the ones before it found safe. Only the bounds that can decide
        are solved: the upper one first, the lower one only for a number of at least `width` (below
        it, 0 already lies within the width)."""
        programme, safe = _Programme(self.values, self.equations, self.inequalities, hidden), []
        for k in pending:
            value = self.values[k]
            if (value > 0 and programme.highest(k) <= value + width
                    and (value < width or programme.lowest(k) >= value - width)):
                return k, safe
            safe.append(k)
        return None, safe

    def partners(self, k: int) -> set[int]:
        return {other for eq in [*self.equations, *self.inequalities] if k in eq for other in eq if other != k}

    def grands(self) -> set[int]:
        return {part.grand() for part in self.parts.values()}


def protect_jointly(joint: Joint, *, threshold: int = THRESHOLD, width: int = WIDTH) -> JointProtected:
    """Hide every count under `threshold`, then whatever else keeps each hidden number's feasible
    range, given everything published in every table and the links between them, from lying within
    +-`width` of its true value. Counts hidden only for that are secondary: labelled as hidden, never
    as small."""
    values = joint.values
    primary = {k for k, v in enumerate(values) if v < threshold and k not in joint.public}
    hidden = set(primary)
    grands = joint.grands()
    safe: set[int] = set()  # hidden numbers found wide: hiding more only widens a range, so they stay safe
    while True:
        k, found_safe = joint.first_exposed(hidden, sorted(hidden - safe), width)
        safe.update(found_safe)
        if k is None:
            break
        candidates = [p for p in joint.partners(k) if p not in hidden and p not in joint.public]
        if not candidates:
            candidates = [p for p in range(len(values)) if p not in hidden and p not in joint.public]
        if not candidates:
            break
        # the smallest published number beside it, a grand total last
        hidden.add(min(candidates, key=lambda p: (p in grands, values[p])))
    tables, secondary = {}, {}
    for name, part in joint.parts.items():
        t = part.table
        shown = [None if part.start + k in hidden else int(v) for k, v in enumerate(t.values)]
        n = t.rows * t.cols
        tables[name] = Protected(
            [shown[i * t.cols:(i + 1) * t.cols] for i in range(t.rows)], shown[n:n + t.rows],
            shown[n + t.rows:n + t.rows + t.cols] if t.with_columns else None, shown[-1])
        marks = set()
        for k in range(len(t.values)):
            if part.start + k in hidden and part.start + k not in primary:
                if k < n:
                    marks.add(("cell", k // t.cols, k % t.cols))
                elif k < n + t.rows:
                    marks.add(("row", k - n, 0))
                elif t.with_columns and k < n + t.rows + t.cols:
                    marks.add(("col", k - n - t.rows, 0))
                else:
                    marks.add(("total", 0, 0))
        secondary[name] = marks
    return JointProtected(tables, secondary)
