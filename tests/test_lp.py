"""core.lp gives every bound scipy's linprog gives (the same solver, HiGHS, driven without
linprog's per-call rebuild): random small programmes like disclosure control's, feasible, empty
and unbounded ones among them."""

import math

import numpy as np
from scipy.optimize import linprog

from core.lp import Polytope


def _programmes(count: int):
    rng = np.random.default_rng(26)
    for _ in range(count):
        n, equations, inequalities = int(rng.integers(2, 14)), int(rng.integers(0, 6)), int(rng.integers(0, 4))
        truth = rng.integers(0, 20, n).astype(float)
        a_eq = rng.integers(-1, 2, (equations, n)).astype(float)
        b_eq = a_eq @ truth + (1.5 if rng.random() < 0.2 else 0.0)  # one in five is likely empty
        a_ub = rng.integers(-1, 2, (inequalities, n)).astype(float)
        b_ub = a_ub @ truth + rng.integers(0, 3, inequalities)
        yield n, (a_eq, b_eq) if equations else (None, None), (a_ub, b_ub) if inequalities else (None, None)


def test_every_bound_is_linprogs():
    compared = {"optimal": 0, "unbounded": 0, "empty": 0}
    for n, (a_eq, b_eq), (a_ub, b_ub) in _programmes(40):
        polytope = Polytope(n, a_eq, b_eq, a_ub, b_ub)
        options = {"A_eq": a_eq, "b_eq": b_eq, "A_ub": a_ub, "b_ub": b_ub, "bounds": (0, None), "method": "highs"}
        for i in range(n):
            c = np.zeros(n)
            c[i] = 1.0
            low, high = linprog(c, **options), linprog(-c, **options)
            mine = polytope.lowest(i), polytope.highest(i)
            if low.status == 2:  # no x at all
                assert mine == (None, None)
                compared["empty"] += 1
                continue
            assert low.status == 0 and math.isclose(mine[0], low.fun, abs_tol=1e-7)
            if high.status == 0:
                assert math.isclose(mine[1], -high.fun, rel_tol=1e-9, abs_tol=1e-7)
                compared["optimal"] += 1
            else:  # unbounded (linprog's presolve calls some of these infeasible, though the minimum exists)
                assert high.status in (2, 3) and mine[1] == math.inf
                compared["unbounded"] += 1
    assert min(compared.values()) >= 10, compared  # every kind of answer was compared
