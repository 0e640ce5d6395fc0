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
    assert set(rows) == {-6, -5, -4, -3, -2, 1, 2, 3, 4, 5, 6}
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


def test_coverage_over_many_seeds_is_near_95_percent():
    """Not a timing test: the method's promise. 40 seeded panels with +25% and 40 with none."""
    hits = sum(E.analyse(_panel(100 + s, 0.25), 0, list(range(1, 21)), EVENT).estimate.effect.low_pct <= 25
               <= E.analyse(_panel(100 + s, 0.25), 0, list(range(1, 21)), EVENT).estimate.effect.high_pct
               for s in range(20))
    zeros = [E.analyse(_panel(200 + s, 0.0), 0, list(range(1, 21)), EVENT).estimate.effect for s in range(20)]
    assert hits >= 17
    assert sum(z.low_pct <= 0 <= z.high_pct for z in zeros) >= 17
    assert np.isfinite([z.pct for z in zeros]).all()
