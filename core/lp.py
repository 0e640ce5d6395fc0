"""The smallest and largest value each variable can take over one set of linear constraints
(x >= 0, A_eq x = b_eq, A_ub x <= b_ub): what disclosure control asks of a published table, one
variable after another. No Django.

HiGHS, the solver of scipy's linprog, driven directly: the constraints are passed once and each
bound is a re-solve from the last basis, changing only the objective. linprog checked and rebuilt
the whole problem for every bound: ~6,000 bounds a test run at ~1.8 ms each, three quarters of it
in its wrapper (issue 26). The solver object is scipy's own build of highspy (`_highspy._core`, the
module linprog itself calls; scipy is pinned and tests/test_lp.py compares every answer with
linprog's): the highspy package would be a second copy of it that prints a banner to stdout."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize._highspy import _core as highspy

Rows = Sequence[Sequence[float]] | np.ndarray | None


class Polytope:
    """x >= 0 meeting A_eq x = b_eq and A_ub x <= b_ub (rows as lists or arrays, either pair may be
    None), asked for each variable's smallest and largest value in turn."""

    def __init__(self, n: int, a_eq: Rows = None, b_eq: Sequence[float] | None = None, a_ub: Rows = None,
                 b_ub: Sequence[float] | None = None) -> None:
        self.n = n
        self._h = h = highspy._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("log_to_console", False)
        inf = highspy.kHighsInf
        h.addVars(n, np.zeros(n), np.full(n, inf))
        for a, b, equal in ((a_eq, b_eq, True), (a_ub, b_ub, False)):
            if a is None or b is None or not len(a):
                continue
            matrix = np.asarray(a, dtype=float).reshape(len(a), n)
            rhs = np.asarray(b, dtype=float)
            starts: list[int] = []
            indices: list[int] = []
            values: list[float] = []
            for row in matrix:
                starts.append(len(indices))
                nonzero = np.nonzero(row)[0]
                indices.extend(nonzero.tolist())
                values.extend(row[nonzero].tolist())
            lower = rhs if equal else np.full(len(rhs), -inf)
            h.addRows(len(rhs), lower, rhs, len(indices), np.array(starts, dtype=np.int32),
                      np.array(indices, dtype=np.int32), np.array(values, dtype=float))
        self._cost: int | None = None

    def _solve(self, i: int, sense: highspy.ObjSense) -> tuple[highspy.HighsModelStatus, float]:
        h = self._h
        if self._cost is not None and self._cost != i:
            h.changeColCost(self._cost, 0.0)
        h.changeColCost(i, 1.0)
        self._cost = i
        h.changeObjectiveSense(sense)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kUnknown:  # a warm start that lost its way: from scratch
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
        return status, h.getInfo().objective_function_value

    def lowest(self, i: int) -> float | None:
        """The smallest value of variable i; None when no x meets the constraints."""
        status, value = self._solve(i, highspy.ObjSense.kMinimize)
        if status == highspy.HighsModelStatus.kOptimal:
            return max(0.0, value)
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        raise ArithmeticError(f"HiGHS: {status}")

    def highest(self, i: int) -> float | None:
        """The largest value of variable i (inf when unbounded); None when no x meets the constraints."""
        status, value = self._solve(i, highspy.ObjSense.kMaximize)
        if status == highspy.HighsModelStatus.kOptimal:
            return value
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return math.inf if self.lowest(i) is not None else None
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        raise ArithmeticError(f"HiGHS: {status}")
