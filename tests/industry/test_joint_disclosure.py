"""Issue 24: the public tables are protected together. Each was protected alone, but they share
totals: from the monthly CSV a linear programme pinned a "hidden" month to [44, 45] (true 44) with
the first-time riders beside it, and the county table with the locality list pinned "outside
Xingtai" exactly; a count hidden only to protect another was printed "<5" over a true 44.

The attack here is written apart from the protection: it reads only what the page publishes, knows
the links any reader knows (every breakdown adds up to the same entries, first-time riders are at
most the participants, the locality list is made of the county table's rows), and asks a linear
programme for the smallest and largest value of every hidden count. No hidden count may be pinned
within +-5 of its true value, on the demo and on 40 random data sets shaped like it."""

from __future__ import annotations

import random

import pytest

from core.lp import Polytope
from industry import disclosure, selectors

WIDTH = 5


class Attack:
    """Unknowns: the hidden numbers; knowns: the published ones; constraints: the tables' sums and
    the links between tables."""

    def __init__(self) -> None:
        self.unknowns: list[tuple[str, float]] = []  # (name, true value), for the verdict only
        self.eq: list[tuple[dict[int, float], float]] = []
        self.ub: list[tuple[dict[int, float], float]] = []

    def term(self, published: int | None, truth: int, name: str) -> tuple[dict[int, float], float]:
        """A number as (coefficients over unknowns, constant)."""
        if published is not None and published != selectors.PROTECTING:
            return {}, float(published)
        self.unknowns.append((name, float(truth)))
        return {len(self.unknowns) - 1: 1.0}, 0.0

    def equal(self, left: list, right: list) -> None:
        coefficients: dict[int, float] = {}
        constant = 0.0
        for sign, side in ((1.0, left), (-1.0, right)):
            for c, k in side:
                for i, v in c.items():
                    coefficients[i] = coefficients.get(i, 0.0) + sign * v
                constant += sign * k
        self.eq.append((coefficients, -constant))

    def at_most(self, a, b) -> None:  # a <= b
        coefficients = dict(a[0])
        for i, v in b[0].items():
            coefficients[i] = coefficients.get(i, 0.0) - v
        self.ub.append((coefficients, b[1] - a[1]))

    def pinned(self) -> list[tuple[str, float, float, float]]:
        n = len(self.unknowns)

        def matrix(rows):
            a = [[c.get(i, 0.0) for i in range(n)] for c, _ in rows if c]
            b = [k for c, k in rows if c]
            return a or None, b or None

        a_eq, b_eq = matrix(self.eq)
        a_ub, b_ub = matrix(self.ub)
        found = []
        programme = Polytope(n, a_eq, b_eq, a_ub, b_ub)  # (HiGHS, as linprog: tests/test_lp.py)
        for i, (name, truth) in enumerate(self.unknowns):
            if name == "entries" or truth == 0:  # the common total, an aid to the attack; and a count of
                continue  # zero, which names nobody (an empty bucket is left out of a list anyway)
            low, high = programme.lowest(i), programme.highest(i)
            assert low is not None and high is not None, name  # the published tables are consistent
            if low >= truth - WIDTH and high <= truth + WIDTH:
                found.append((name, truth, low, high))
        return found


def attack(lines: dict[str, list[tuple[str, int]]], district_cells: list[list[int]], districts: list[str],
           published: dict, district_published: disclosure.Protected, district_secondary: set,
           counted: dict[str, dict[str, int]] | None = None) -> Attack:
    """The reader's linear programme over everything the page shows, and (`counted`) what anyone can
    count on the results pages: riders with a result a month, finishers by gender."""
    a = Attack()
    shown = {name: published[name] for name in lines}
    terms = {name: [a.term(shown[name][j][1], n, f"{name}[{b}]") for j, (b, n) in enumerate(rows)]
             for name, rows in lines.items()}
    total_truth = sum(n for _b, n in lines["participants"])
    total = a.term(None, total_truth, "entries")  # the number of entries: never published on its own
    for name in ("participants", "locality", "gender", "age_band", "brand_origin"):
        a.equal(terms[name], [total])
    for f, p in zip(terms["first_time"], terms["participants"], strict=True):
        a.at_most(f, p)
    for name, bounds in (counted or {}).items():
        for j, (bucket, _n) in enumerate(lines[name]):
            if bounds.get(bucket):
                a.at_most(({}, float(bounds[bucket])), terms[name][j])
    if district_cells:
        rows, cols = len(district_cells), len(district_cells[0])

        def d(value, key, truth, name):
            return a.term(None if key in district_secondary else value, truth, name)

        cell = [[d(district_published.cells[i][j], ("cell", i, j), district_cells[i][j], f"district[{i},{j}]")
                 for j in range(cols)] for i in range(rows)]
        row_total = [d(district_published.row_totals[i], ("row", i, 0), sum(district_cells[i]), f"row[{i}]")
                     for i in range(rows)]
        col_total = [d(district_published.col_totals[j], ("col", j, 0), sum(r[j] for r in district_cells),
                       f"col[{j}]") for j in range(cols)]
        grand = d(district_published.total, ("total", 0, 0), total_truth, "district total")
        for i in range(rows):
            a.equal(cell[i], [row_total[i]])
        for j in range(cols):
            a.equal([cell[i][j] for i in range(rows)], [col_total[j]])
        a.equal(row_total, [grand])
        a.equal([grand], [total])
        at = {b: j for j, (b, _n) in enumerate(lines["locality"])}
        local = [row_total[i] for i, name in enumerate(districts) if name in selectors.XINGTAI_AREAS]
        for bucket, members in (("local", local), ("outside", [row_total[i] for i, name in enumerate(districts)
                                                                 if name == "other"]),
                                ("unknown", [row_total[i] for i, name in enumerate(districts) if name == "unknown"])):
            if bucket in at and members:
                a.equal([terms["locality"][at[bucket]]], members)
    return a


def _protected(lines, district, counted=None):
    joint = disclosure.Joint()
    parts = {name: joint.add(name, [[n for _b, n in rows]], with_columns=False) for name, rows in lines.items()}
    for name, bounds in (counted or {}).items():  # as selectors._results_bounds: public lower bounds
        seen = joint.add(f"results_{name}", [[bounds.get(b, 0) for b, _n in lines[name]]], with_columns=False,
                         public=True)
        for j in range(len(lines[name])):
            joint.at_most(seen.cell(0, j), parts[name].cell(0, j))
    table = joint.add("district", district.cells, with_columns=True)
    for name, part in parts.items():
        if name != "first_time":
            joint.equal(part.grand(), table.grand())
    for i in range(len(lines["first_time"])):
        joint.at_most(parts["first_time"].cell(0, i), parts["participants"].cell(0, i))
    rows = {dname: i for i, dname in enumerate(district.districts)}
    at = {b: j for j, (b, _n) in enumerate(lines["locality"])}
    for bucket, members in (("local", [d for d in district.districts if d in selectors.XINGTAI_AREAS]),
                            ("outside", ["other"]), ("unknown", ["unknown"])):
        inside = [table.row_total(rows[d]) for d in members if d in rows]
        if bucket in at and inside:
            joint.equal(parts["locality"].cell(0, at[bucket]), inside)
    return disclosure.protect_jointly(joint)


def _published_lines(result, lines):
    out = {}
    for name, rows in lines.items():
        cells = result.tables[name].cells[0]
        secondary = {j for kind, _i, j in result.secondary[name] if kind == "cell"}
        out[name] = [(b, selectors.PROTECTING if j in secondary else cells[j]) for j, (b, _n) in enumerate(rows)]
    return out


@pytest.mark.django_db
def test_the_demos_public_tables_resist_the_attack_together():
    from tests.demo_snapshot import demo_loaded

    demo_loaded(with_stats=True)
    lines, district, _joint = selectors.public_tables()
    data = selectors.public_summary()
    published = {name: data[name] for name in ("locality", "gender", "age_band", "brand_origin")}
    published["participants"] = [(str(m["month"]), m["participants"]) for m in data["monthly"]]
    published["first_time"] = [(str(m["month"]), m["first_time_riders"]) for m in data["monthly"]]
    from django.db.models import Count, F
    from django.db.models.functions import TruncMonth

    from events.models import Registration

    with_result = Registration.objects.filter(status="confirmed").exclude(result="")
    counted = {
        "participants": {selectors.summary._month_key(r["m"]): r["n"] for r in with_result.annotate(
            m=TruncMonth("event__starts_at")).values("m").annotate(n=Count("id")).order_by()},
        "gender": {str(r["g"]): r["n"] for r in with_result.annotate(g=F("rider__gender")).values("g").annotate(
            n=Count("id")).order_by()},
    }
    assert any(counted["participants"].values())  # the demo has results
    found = attack(lines, district.cells, district.districts, published, data["district"].published,
                   data["district"].secondary, counted)
    assert found.unknowns  # something is hidden on the demo
    assert found.pinned() == []
    # a count hidden to protect another is never labelled as small
    for name, rows in published.items():
        truth = dict(lines[name])
        for bucket, shown in rows:
            if shown is None:
                assert truth[bucket] < selectors.SUPPRESS_BELOW, (name, bucket)


def _random_tables(rng: random.Random):
    """A data set shaped like the demo's: thinned months, small buckets, a county table."""
    months = [f"2025-{m:02d}" for m in range(1, 1 + rng.randint(6, 12))]
    participants = [rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30, 44, 60]) for _ in months]
    first = [min(p, rng.randint(0, max(0, p))) for p in participants]
    n = sum(participants)
    if n < 20:
        participants[0] += 20
        n += 20

    def split(total: int, buckets: list[str]) -> list[tuple[str, int]]:
        weights = [rng.random() ** 2 for _ in buckets]
        counts = [int(total * w / sum(weights)) for w in weights]
        counts[0] += total - sum(counts)
        return list(zip(buckets, counts, strict=True))

    districts = ["xiangdu", "xindu", "shahe", "nanhe", "other", "unknown"]
    kinds = ["race", "sportive", "club_ride"]
    rows = split(n, districts)
    cells = [[c for _k, c in split(count, kinds)] for _d, count in rows]
    local = sum(count for d, count in rows if d in selectors.XINGTAI_AREAS)
    lines = {
        "participants": list(zip(months, participants, strict=True)),
        "first_time": list(zip(months, first, strict=True)),
        "locality": [("local", local), ("outside", dict(rows)["other"]), ("unknown", dict(rows)["unknown"])],
        "gender": split(n, ["male", "female", "unknown"]),
        "age_band": split(n, ["18-29", "30-39", "40-49", "50-59", "60+"]),
        "brand_origin": split(n, ["local", "other", "unknown"]),
    }
    lines = {name: [(b, c) for b, c in rows_ if c > 0] if name not in ("participants", "first_time") else rows_
             for name, rows_ in lines.items()}
    # the results pages: riders with a result each month and finishers by gender, counted by anyone
    counted = {"participants": {m: rng.randint(0, p) for m, p in lines["participants"]},
               "gender": {g: rng.randint(0, n) for g, n in lines["gender"]}}
    return lines, selectors.DistrictTable(districts, kinds, disclosure.Protected([], [], [], None), cells), counted


def test_forty_random_data_sets_resist_the_attack_together():
    """~10 s: the issue's audit, on data sets the demo does not have (empty months, tiny buckets)."""
    rng = random.Random(24)
    checked = 0
    for _ in range(40):
        lines, district, counted = _random_tables(rng)
        result = _protected(lines, district, counted)
        published = _published_lines(result, lines)
        found = attack(lines, district.cells, district.districts, published, result.tables["district"],
                       result.secondary["district"], counted)
        assert found.pinned() == [], found.pinned()
        checked += len(found.unknowns)
    assert checked > 100  # the audit looked at many hidden counts


def test_protecting_each_table_alone_is_caught_by_the_same_attack():
    """Negative control: the old way (each table alone) on the issue's case, a month whose
    participants are hidden with first-time riders published beside them."""
    lines = {"participants": [("2024-01", 44), ("2024-02", 3), ("2024-03", 60)],
             "first_time": [("2024-01", 44), ("2024-02", 1), ("2024-03", 20)],
             "locality": [("local", 80), ("outside", 27)], "gender": [("male", 70), ("female", 37)],
             "age_band": [("30-39", 107)], "brand_origin": [("local", 107)]}
    cells = [[40, 40], [20, 7]]
    district = selectors.DistrictTable(["xiangdu", "other"], ["race", "sportive"],
                                       disclosure.Protected([], [], [], None), cells)
    alone = {name: [(b, v) for (b, _n), v in zip(rows, disclosure.protect([[n for _b, n in rows]],
                                                                           with_columns=False).cells[0],
                                                  strict=True)]
             for name, rows in lines.items()}
    found = attack(lines, cells, district.districts, alone, disclosure.protect(cells), set())
    assert any(name.startswith("participants") for name, *_ in found.pinned())
    together = _protected(lines, district)
    again = attack(lines, cells, district.districts, _published_lines(together, lines),
                   together.tables["district"], together.secondary["district"])
    assert again.pinned() == []
