"""Difference in differences for one sponsor brand against comparison brands, with uncertainty.
No Django here: plain data in, dataclasses out (docs/insights.md explains every choice, with the
Monte Carlo of bench/insights_monte_carlo.py).

Model: log(units) of brand b in month t = brand effect + month effect (seasonality and the
market absorbed) + delta x (sponsor and after the event month) + error. The event month itself is
left out of the estimate (half before, half after). Fitted by least squares; errors clustered by
brand (as statsmodels computes them) are reported beside it, never as the answer: with one sponsor brand they
understate the uncertainty badly (the sponsor's cluster is the only one carrying the effect).

Inference from the comparison brands (placebos in space: each in turn treated as if it had
sponsored, Conley and Taber 2011), scaled for each brand's own noise (its residual spread before
the event, Ferman and Pinto 2019), so that a noisier sponsor gets a wider interval:
- the 95% interval: the estimate plus or minus t(J) x the root mean square of the placebos' scaled
  errors x the sponsor's noise (a prediction interval for one more such error);
- the permutation p-value and rank: where the sponsor's scaled estimate falls among the placebos'
  (Abadie, Diamond and Hainmueller 2010);
- the sensitivity: the trend difference a month (before and after the event alike) that would
  produce the whole estimate by itself (in the spirit of Rambachan and Roth 2023).

Checks behind the verdict `credible`: a linear-trend test before the event (the sponsor's slope
against the others among the comparison brands' slopes; not run with 6 or fewer comparison brands,
which is said instead) and the same estimate with the event moved 12 months earlier, on the months
before the real event (its interval must contain zero).

Event study: effects by month relative to the event (-6 ... +6, month -1 the reference and the
only month pooled into it, the event month with its own effect, the window's ends binned), with the
same scaled placebo intervals.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

import numpy as np

MIN_COMPARISON = 3
MIN_PRE_MONTHS = 6
MIN_MONTHS_SINGLE = 12
WINDOW = 6  # event-study months either side
PLACEBO_SHIFT = 12
PRETREND_ALPHA = 0.05
MIN_PRETREND_COMPARISON = 6  # with this many comparison brands or fewer, no pre-trend test is run


def month_index(month: datetime.date) -> int:
    return month.year * 12 + month.month - 1


@dataclass
class Panel:
    """Positive values (units, mentions) by brand and month. Zero or missing months are left out
    (a log needs a positive number)."""

    values: dict[int, dict[datetime.date, float]]

    def brands(self) -> list[int]:
        return sorted(self.values)


@dataclass
class Interval:
    pct: float
    low_pct: float
    high_pct: float


@dataclass
class Estimate:
    effect: Interval  # the interval shown: placebo errors scaled by each brand's own noise
    clustered: Interval  # clustered by brand (reported beside it, never shown as the answer)
    brands: int  # the sponsor and its comparison brands
    comparison: int
    months: int
    observations: int
    p_value: float = 1.0  # permutation (rank) p-value of the scaled estimate among the placebos'
    rank: int = 1  # the sponsor's place by size of its scaled estimate, 1 = the largest of J + 1
    erasing_trend_pct: float | None = None  # a trend difference (%/month) before the event that would explain it all


@dataclass
class EventStudyRow:
    relative_month: int
    effect: Interval


@dataclass
class Result:
    reasons: list[str] = field(default_factory=list)  # why there is no estimate (codes, see REASONS)
    estimate: Estimate | None = None
    event_study: list[EventStudyRow] = field(default_factory=list)
    pretrend_p: float | None = None  # linear-trend test before the event (None: not run, see `cautions`)
    pretrend_slope_pct: float | None = None  # the sponsor's own trend against the others, %/month
    credible: bool = False
    placebo: Estimate | None = None
    placebo_reasons: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)  # "few_for_pretrend", "placebo_effect", "pretrend"


def _pct(log_effect: float) -> float:
    return (math.exp(log_effect) - 1) * 100


def _interval(log_effect: float, low: float, high: float) -> Interval:
    return Interval(_pct(log_effect), _pct(low), _pct(high))


class _Design:
    """Rows (brand, month, log value) of a panel, with brand and month fixed effects."""

    def __init__(self, panel: Panel, brands: list[int], months: set[int] | None = None) -> None:
        rows = [(b, month_index(m), math.log(v)) for b in brands for m, v in panel.values.get(b, {}).items()
                if v > 0 and (months is None or month_index(m) in months)]
        self.brand = np.array([r[0] for r in rows], dtype=np.int64)
        self.month = np.array([r[1] for r in rows], dtype=np.int64)
        self.y = np.array([r[2] for r in rows], dtype=float)
        brand_ids = sorted(set(self.brand.tolist()))
        month_ids = sorted(set(self.month.tolist()))
        self.brand_ids, self.month_ids = brand_ids, month_ids
        b_at = {b: i for i, b in enumerate(brand_ids)}
        m_at = {m: i for i, m in enumerate(month_ids)}
        bi = np.array([b_at[b] for b in self.brand.tolist()], dtype=np.int64)
        mi = np.array([m_at[m] for m in self.month.tolist()], dtype=np.int64)
        fixed = np.zeros((len(rows), len(brand_ids) + len(month_ids) - 1))
        fixed[np.arange(len(rows)), bi] = 1.0
        has_month = mi > 0
        fixed[np.nonzero(has_month)[0], len(brand_ids) + mi[has_month] - 1] = 1.0
        self.fixed = fixed
        self.cluster = bi

    def treatment(self, treated: int, event: int) -> np.ndarray:
        return ((self.brand == treated) & (self.month > event)).astype(float)[:, None]

    def event_dummies(self, treated: int, event: int) -> tuple[np.ndarray, list[int]]:
        relative = np.clip(self.month - event, -WINDOW, WINDOW)
        ks = [k for k in range(-WINDOW, WINDOW + 1) if k != -1]  # the event month has its own
        columns = np.zeros((len(self.y), len(ks)))
        mine = self.brand == treated
        for j, k in enumerate(ks):
            columns[:, j] = (mine & (relative == k)).astype(float)
        return columns, ks

    def _residual(self, v: np.ndarray) -> np.ndarray:
        """v less its projection on the fixed effects (Frisch-Waugh-Lovell: the coefficients of the
        regressors are those of the residuals, and the projection is factored once)."""
        if not hasattr(self, "_q"):
            self._q = np.linalg.qr(self.fixed)[0]
            self._ry = self.y - self._q @ (self._q.T @ self.y)
        return v - self._q @ (self._q.T @ v)

    def _ry_residual(self) -> np.ndarray:
        """y less brand and month effects."""
        self._residual(np.zeros((len(self.y), 1)))
        return self._ry

    def coefficients(self, regressors: np.ndarray) -> np.ndarray:
        rx = self._residual(regressors)
        beta, *_ = np.linalg.lstsq(rx, self._ry, rcond=None)
        return beta


def _clustered(design: _Design, d: np.ndarray) -> tuple[float, float, float]:
    """(beta, low, high): the treatment coefficient with its 95% interval from errors clustered by
    brand, as statsmodels' OLS computes them (cov_type="cluster", use_t: the CR1 sandwich with the
    factor G/(G - 1) x (N - 1)/(N - K), t with G - 1 degrees of freedom), by Frisch-Waugh-Lovell on
    the residuals: no statsmodels import (a second of the first report of a process) and no
    regression on the fixed-effect columns again (tests/industry/test_estimates.py compares them)."""
    from scipy import stats  # noqa: PLC0415

    rx = design._residual(d)[:, 0]
    ry = design._ry_residual()
    sxx = float(rx @ rx)
    beta = float(rx @ ry) / sxx
    e = ry - beta * rx
    scores = np.bincount(design.cluster, weights=rx * e)
    groups, n = len(scores), len(e)
    k = 1 + np.linalg.matrix_rank(design.fixed)
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    se = math.sqrt(factor * float(scores @ scores)) / sxx
    half = float(stats.t.ppf(0.975, groups - 1)) * se
    return beta, beta - half, beta + half


def _scaled_interval(estimate: float, scale: float, placebos: np.ndarray, scales: np.ndarray) -> tuple[float, float]:
    """A 95% prediction interval for the sponsor's error from the placebo brands' errors, each
    divided by its own brand's noise and the whole scaled back by the sponsor's (Ferman and Pinto
    2019): a noisier sponsor gets a wider interval. With J placebos whose scaled errors are draws of
    N(0, s^2), a new draw over their root mean square is t with J degrees of freedom. Not centred on
    the placebos' mean: on a balanced panel it is zero by construction."""
    from scipy import stats  # noqa: PLC0415

    errors = placebos / scales
    rms = float(np.sqrt(np.mean(errors**2)))
    half = float(stats.t.ppf(0.975, len(errors))) * rms * scale
    return estimate - half, estimate + half


def _rank(estimate: float, scale: float, placebos: np.ndarray, scales: np.ndarray) -> tuple[float, int]:
    """(permutation p-value, rank) of the sponsor's scaled estimate among the placebos' (Abadie,
    Diamond and Hainmueller 2010): the share of the J + 1 brands at least as far from zero."""
    mine = abs(estimate / scale)
    larger = int(np.sum(np.abs(placebos / scales) >= mine))
    return (larger + 1) / (len(placebos) + 1), larger + 1


def _noise(panel: Panel, brands: list[int], event: int) -> dict[int, float]:
    """Each brand's own noise: the standard deviation of its residuals from brand and month effects
    over the months before the event (where no brand has an effect)."""
    before = {m for b in brands for m in _months(panel, b) if m < event}
    design = _Design(panel, brands, before)
    residual = design._ry_residual()
    out = {}
    for b in brands:
        mine = residual[design.brand == b]
        out[b] = float(np.sqrt(np.sum(mine**2) / max(1, len(mine) - 1))) if len(mine) else 0.0
    floor = max(1e-6, float(np.median([v for v in out.values() if v > 0] or [1e-6])) / 10)
    return {b: max(v, floor) for b, v in out.items()}


def _trend(panel: Panel, brands: list[int], event: int) -> dict[int, float]:
    """Each brand's slope (log units a month) against the others before the event: the slope of its
    residuals from brand and month effects over time."""
    before = {m for b in brands for m in _months(panel, b) if m < event}
    design = _Design(panel, brands, before)
    residual = design._ry_residual()
    out = {}
    for b in brands:
        at = design.brand == b
        t, r = design.month[at].astype(float), residual[at]
        out[b] = float(np.polyfit(t, r, 1)[0]) if len(t) > 2 else 0.0
    return out


def _months(panel: Panel, brand: int) -> set[int]:
    return {month_index(m) for m, v in panel.values.get(brand, {}).items() if v > 0}


def reasons_for(panel: Panel, treated: int, comparison: list[int], event: int) -> list[str]:
    """Why an estimate cannot be made (empty when it can)."""
    reasons = []
    months = _months(panel, treated)
    if len(comparison) < MIN_COMPARISON:
        reasons.append("comparison")
    if len({m for m in months if m < event}) < MIN_PRE_MONTHS:
        reasons.append("pre_months")
    if len(months - {event}) < MIN_MONTHS_SINGLE:
        reasons.append("months")
    if not {m for m in months if m > event}:
        reasons.append("post_months")
    return reasons


def _estimate(panel: Panel, treated: int, comparison: list[int], event: int, noise: dict[int, float],
              months: set[int] | None = None) -> Estimate:
    keep = (months or set().union(*(_months(panel, b) for b in [treated, *comparison]))) - {event}
    design = _Design(panel, [treated, *comparison], keep)
    d = design.treatment(treated, event)
    beta, low_c, high_c = _clustered(design, d)
    controls = _Design(panel, comparison, keep)
    placebos = np.array([controls.coefficients(controls.treatment(c, event))[0] for c in comparison])
    scales = np.array([noise[c] for c in comparison])
    low, high = _scaled_interval(beta, noise[treated], placebos, scales)
    p_value, rank = _rank(beta, noise[treated], placebos, scales)
    mine = design.month[design.brand == treated]
    pre, post = mine[mine < event] - event, mine[mine > event] - event
    gap = float(post.mean() - pre.mean()) if len(pre) and len(post) else 0.0
    erasing = _pct(beta / gap) if gap > 0 else None
    return Estimate(effect=_interval(beta, low, high), clustered=_interval(beta, low_c, high_c),
                    brands=len(design.brand_ids), comparison=len(comparison), months=len(design.month_ids),
                    observations=len(design.y), p_value=p_value, rank=rank, erasing_trend_pct=erasing)


def _event_study(panel: Panel, treated: int, comparison: list[int], event: int, noise: dict[int, float],
                 result: Result) -> None:
    design = _Design(panel, [treated, *comparison])
    columns, ks = design.event_dummies(treated, event)
    present = columns.any(axis=0)
    columns, ks = columns[:, present], [k for k, p in zip(ks, present) if p]
    if not ks:
        return
    beta = design.coefficients(columns)
    controls = _Design(panel, comparison)
    draws = []
    for c in comparison:
        placebo_columns, placebo_ks = controls.event_dummies(c, event)
        wanted = [placebo_ks.index(k) for k in ks]
        draws.append(controls.coefficients(placebo_columns[:, wanted]))
    placebo = np.array(draws)
    scales = np.array([noise[c] for c in comparison])
    for j, k in enumerate(ks):
        low, high = _scaled_interval(float(beta[j]), noise[treated], placebo[:, j], scales)
        result.event_study.append(EventStudyRow(k, _interval(float(beta[j]), low, high)))


def _pretrend(panel: Panel, treated: int, comparison: list[int], event: int, noise: dict[int, float],
              result: Result) -> None:
    """A linear-trend test before the event: the sponsor's slope against the others, scaled by its
    noise, among the comparison brands' scaled slopes (t with J degrees of freedom, two-sided). Not
    run with MIN_PRETREND_COMPARISON or fewer comparison brands: their slopes say too little about
    what chance alone gives, and the page says so instead."""
    from scipy import stats  # noqa: PLC0415

    slopes = _trend(panel, [treated, *comparison], event)
    result.pretrend_slope_pct = _pct(slopes[treated])
    if len(comparison) <= MIN_PRETREND_COMPARISON:
        result.cautions.append("few_for_pretrend")
        return
    scaled = np.array([slopes[c] / noise[c] for c in comparison])
    rms = float(np.sqrt(np.mean(scaled**2)))
    if rms == 0:
        return
    t = slopes[treated] / noise[treated] / rms
    result.pretrend_p = float(2 * stats.t.sf(abs(t), len(comparison)))


def analyse(panel: Panel, treated: int, comparison: list[int], event_month: datetime.date, *,
            event_study: bool = True) -> Result:
    """The estimate with its interval, rank and p-value, the linear pre-trend test, the event
    study's effects (when asked) and the placebo test a year earlier for one sponsor. The verdict
    `credible` needs both checks that were run to pass: no trend of its own before the event and no
    'effect' a year before it."""
    event = month_index(event_month)
    comparison = [c for c in comparison if c != treated and _months(panel, c)]
    result = Result(reasons=reasons_for(panel, treated, comparison, event))
    if result.reasons:
        return result
    brands = [treated, *comparison]
    noise = _noise(panel, brands, event)
    result.estimate = _estimate(panel, treated, comparison, event, noise)
    if event_study:
        _event_study(panel, treated, comparison, event, noise, result)
    _pretrend(panel, treated, comparison, event, noise, result)
    fake = event - PLACEBO_SHIFT
    before = {m for b in brands for m in _months(panel, b) if m < event}
    earlier = Panel({b: {m: v for m, v in panel.values.get(b, {}).items() if month_index(m) < event} for b in brands})
    result.placebo_reasons = reasons_for(earlier, treated, comparison, fake)
    if not result.placebo_reasons:
        result.placebo = _estimate(panel, treated, comparison, fake, _noise(earlier, brands, fake), months=before)
    trend_fails = result.pretrend_p is not None and result.pretrend_p < PRETREND_ALPHA
    placebo_fails = result.placebo is not None and not (
        result.placebo.effect.low_pct <= 0 <= result.placebo.effect.high_pct)
    if trend_fails:
        result.cautions.append("pretrend")
    if placebo_fails:
        result.cautions.append("placebo_effect")
    result.credible = not trend_fails and not placebo_fails
    return result


def synthetic_panel(*, seed: int, brands: int, months: int, first_month: datetime.date, treated: int | list[int],
                    event_offset: int, effect: float, noise: float = 0.05,
                    base: tuple[int, int] = (800, 3000), trend: float = 0.0, noise_scale: float = 1.0,
                    event_month_share: float = 0.0) -> Panel:
    """Made-up monthly sales: a level per brand, shared seasonality (+-25% over the year), shared
    market growth, noise (an AR(1) of innovation sd `noise` in log units), and `effect` (e.g. 0.25
    for +25%) on the `treated` brand(s) after month `event_offset` (`event_month_share` of it already
    in the event month). A treated brand may also grow `trend` faster a month (0.005: +0.5%/month)
    all along and have its shocks `noise_scale` times as large. Brand ids are 0..brands-1."""
    rng = np.random.default_rng(seed)
    sponsors = {treated} if isinstance(treated, int) else set(treated)
    values: dict[int, dict[datetime.date, float]] = {}
    for b in range(brands):
        level = rng.uniform(*base)
        drift = 0.0
        series = {}
        mine = b in sponsors
        for t in range(months):
            index = month_index(first_month) + t
            month = datetime.date(index // 12, index % 12 + 1, 1)
            season = 1 + 0.25 * math.sin((month.month - 3) / 12 * 2 * math.pi)
            drift = 0.5 * drift + rng.normal(0, noise * (noise_scale if mine else 1.0))
            uplift = 1.0
            if mine and t > event_offset:
                uplift = 1 + effect
            elif mine and t == event_offset:
                uplift = 1 + effect * event_month_share
            own = math.exp(trend * (t - event_offset)) if mine else 1.0
            series[month] = max(1.0, round(level * season * (1 + 0.004 * t) * uplift * own * math.exp(drift)))
        values[b] = series
    return Panel(values)


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation of two series of the same length; None when either is constant or too short."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)
