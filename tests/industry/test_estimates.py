"""Issue 16: estimates an economist would sign. On made-up panels of known effect, with noise and
seasonality (seeded): the 95% interval covers the effect, a no-effect panel's covers zero, a
pre-existing trend makes the comparison not credible, the placebo a year earlier finds nothing,
and thin data says why instead of estimating."""

import datetime

import numpy as np
import pytest

from industry import estimates as E

FIRST = datetime.date(2024, 1, 1)
EVENT = datetime.date(2025, 7, 1)  # month 18 of 36


def _panel(seed, effect, brands=21):
    return E.synthetic_panel(seed=seed, brands=brands, months=36, first_month=FIRST, treated=0, event_offset=18,
                             effect=effect)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_interval_covers_a_known_effect_of_25_percent(seed):
    result = E.analyse(_panel(seed, 0.25), 0, list(range(1, 21)), EVENT)
    assert not result.reasons and result.credible
    effect = result.estimate.effect
    assert effect.low_pct <= 25 <= effect.high_pct
    assert effect.low_pct > 0  # and it is told apart from no effect
    assert result.estimate.brands == 21 and result.estimate.comparison == 20 and result.estimate.months == 35


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_a_no_effect_panel_covers_zero(seed):
    """A 95% interval misses one time in twenty (seed 11 is such a panel: -12.4% ... -0.01%); the
    rate is checked over many seeds below."""
    result = E.analyse(_panel(seed, 0.0), 0, list(range(1, 21)), EVENT)
    assert result.estimate.effect.low_pct <= 0 <= result.estimate.effect.high_pct


def test_clustered_errors_are_reported_but_not_trusted_with_one_sponsor():
    """The clustered interval (statsmodels) is much narrower than the placebo one: with a single
    treated cluster it understates the uncertainty, which is why the page shows the placebo one."""
    result = E.analyse(_panel(1, 0.25), 0, list(range(1, 21)), EVENT)
    clustered, shown = result.estimate.clustered, result.estimate.effect
    assert clustered.high_pct - clustered.low_pct < (shown.high_pct - shown.low_pct) / 2


def test_the_event_study_shows_the_effect_after_and_none_before():
    result = E.analyse(_panel(2, 0.25), 0, list(range(1, 21)), EVENT)
    rows = {r.relative_month: r.effect for r in result.event_study}
    assert set(rows) == {-6, -5, -4, -3, -2, 0, 1, 2, 3, 4, 5, 6}  # the event month has its own effect
    assert all(rows[k].low_pct <= 0 <= rows[k].high_pct for k in (-6, -5, -4, -3, -2))
    assert sum(rows[k].low_pct > 0 for k in (1, 2, 3, 4, 5, 6)) >= 4
    assert result.pretrend_p > 0.05


def test_a_pre_existing_trend_is_not_credible():
    panel = _panel(4, 0.0)
    for month, value in panel.values[0].items():  # the sponsor was already growing 4% a month before
        k = E.month_index(month) - E.month_index(EVENT)
        panel.values[0][month] = value * (1.04 ** min(k, 0) if k < 0 else 1.0)
    result = E.analyse(panel, 0, list(range(1, 21)), EVENT)
    assert result.pretrend_p < 0.05 and not result.credible


def test_half_the_effect_in_the_event_month_leaves_the_months_around_it_alone():
    """Issue 24: the event month was pooled with month -1 as the reference; with half the effect in it
    the months before came out near -5.7% and the months after at 18% instead of 25%."""
    panel = E.synthetic_panel(seed=2, brands=21, months=36, first_month=FIRST, treated=0, event_offset=18,
                              effect=0.25, event_month_share=0.5)
    rows = {r.relative_month: r.effect for r in E.analyse(panel, 0, list(range(1, 21)), EVENT).event_study}
    assert all(abs(rows[k].pct) < 4 for k in (-5, -4, -3, -2))
    assert 20 < np.mean([rows[k].pct for k in (1, 2, 3, 4, 5)]) < 30
    assert rows[0].low_pct <= 12.5 <= rows[0].high_pct and rows[0].pct > 0  # about half of it in the event month


def test_a_noisier_sponsor_gets_a_wider_interval():
    calm = E.analyse(_panel(3, 0.25), 0, list(range(1, 21)), EVENT).estimate.effect
    noisy_panel = E.synthetic_panel(seed=3, brands=21, months=36, first_month=FIRST, treated=0, event_offset=18,
                                    effect=0.25, noise_scale=2.0)
    noisy = E.analyse(noisy_panel, 0, list(range(1, 21)), EVENT).estimate.effect
    assert noisy.high_pct - noisy.low_pct > 1.5 * (calm.high_pct - calm.low_pct)


def test_rank_p_value_and_the_trend_that_would_explain_it():
    result = E.analyse(_panel(1, 0.25), 0, list(range(1, 21)), EVENT)
    assert result.estimate.rank == 1 and result.estimate.p_value == pytest.approx(1 / 21)
    # 25% over a gap of about 19 months between the middles of the months before and after
    assert 0.9 < result.estimate.erasing_trend_pct < 1.6


def test_with_six_comparison_brands_no_pretrend_test_is_run():
    result = E.analyse(_panel(1, 0.25, brands=7), 0, list(range(1, 7)), EVENT)
    assert result.pretrend_p is None and "few_for_pretrend" in result.cautions


def test_the_placebo_a_year_earlier_finds_nothing():
    result = E.analyse(_panel(5, 0.25), 0, list(range(1, 21)), EVENT)
    placebo = result.placebo.effect
    assert placebo.low_pct <= 0 <= placebo.high_pct
    assert not (result.estimate.effect.low_pct <= 0)  # while the real date finds the effect


def test_thin_data_says_why():
    few = E.analyse(_panel(1, 0.25, brands=3), 0, [1, 2], EVENT)
    assert few.reasons == ["comparison"] and few.estimate is None
    short = E.synthetic_panel(seed=1, brands=21, months=20, first_month=datetime.date(2025, 3, 1), treated=0,
                              event_offset=4, effect=0.25)
    result = E.analyse(short, 0, list(range(1, 21)), EVENT)
    assert "pre_months" in result.reasons and result.estimate is None
    single = E.synthetic_panel(seed=1, brands=21, months=10, first_month=datetime.date(2025, 1, 1), treated=0,
                               event_offset=6, effect=0.25)
    assert "months" in E.analyse(single, 0, list(range(1, 21)), EVENT).reasons


def _coverage(truth: float, panels: int, **options) -> float:
    hits = 0
    for seed in range(panels):
        panel = E.synthetic_panel(seed=300 + seed, brands=21, months=36, first_month=FIRST, treated=0,
                                  event_offset=18, effect=truth / 100, **options)
        effect = E.analyse(panel, 0, list(range(1, 21)), EVENT, event_study=False).estimate.effect
        hits += effect.low_pct <= truth <= effect.high_pct
    return hits / panels


def test_coverage_where_the_method_claims_it():
    """The claims of docs/insights.md (bench/insights_monte_carlo.py, 200 panels a scenario) on 40
    seeded panels each: with parallel trends, with or without an effect, and with a sponsor twice as
    noisy as the others, the interval covers the truth at least 90% of the time. ~8 s: it is the
    method's promise, not a timing."""
    assert _coverage(25, 40) >= 0.9
    assert _coverage(0, 40) >= 0.9
    assert _coverage(25, 40, noise_scale=2.0) >= 0.9


def test_where_coverage_fails_the_page_has_a_warning_to_show():
    """With the sponsor already growing 0.5%/month faster, no interval covers the truth reliably (the
    bench: ~40%); what the page can say is the sensitivity: the trend that would explain it all is
    within a small multiple of the trend measured before the event."""
    panel = E.synthetic_panel(seed=7, brands=21, months=36, first_month=FIRST, treated=0, event_offset=18,
                              effect=0.0, trend=0.005)
    result = E.analyse(panel, 0, list(range(1, 21)), EVENT)
    assert result.pretrend_slope_pct is not None and result.pretrend_slope_pct > 0
    assert result.estimate.erasing_trend_pct is not None and 0 < result.estimate.erasing_trend_pct < 1.5


def test_the_clustered_interval_is_the_one_statsmodels_computes():
    """Our own sandwich (no statsmodels import on the page) against statsmodels' OLS, cluster by brand."""
    import warnings

    import statsmodels.api as sm

    panel = _panel(6, 0.25)
    event = E.month_index(EVENT)
    keep = set().union(*(E._months(panel, b) for b in range(21))) - {event}
    design = E._Design(panel, list(range(21)), keep)
    d = design.treatment(0, event)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.OLS(design.y, np.hstack([d, design.fixed])).fit(cov_type="cluster",
                                                                  cov_kwds={"groups": design.cluster}, use_t=True)
    beta, low, high = E._clustered(design, d)
    assert beta == pytest.approx(fit.params[0], abs=1e-10)
    assert (low, high) == pytest.approx(tuple(fit.conf_int(0.05)[0]), abs=1e-9)
