"""Monte Carlo of the linkage report's inference (industry/estimates.py, issue 24).

Demo-like panels (36 months, the event at month 18, AR(1) brand shocks, shared seasonality and
growth) in the scenarios the issue names. For each: coverage of the shown 95% interval, bias of
the estimate, "significant" (the interval excludes zero), the permutation p-value below 0.05,
how often the page withholds the effect (not credible), how often the pre-trend check is not run,
and the median interval width. Percent effects, in points.

Run: .venv/bin/python bench/insights_monte_carlo.py [--panels 200] [--only NAME]
"""

from __future__ import annotations

import argparse
import datetime
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from industry import estimates

FIRST = datetime.date(2023, 1, 1)
MONTHS, EVENT = 36, 18

# name: (effect, keyword arguments of synthetic_panel, comparison brands, sponsors)
SCENARIOS = {
    "no effect, parallel": (0.0, {}, 20, 1),
    "+10%, parallel": (0.10, {}, 20, 1),
    "+25%, parallel": (0.25, {}, 20, 1),
    "no effect, sponsor trend +0.5%/month": (0.0, {"trend": 0.005}, 20, 1),
    "+25%, sponsor trend +0.5%/month": (0.25, {"trend": 0.005}, 20, 1),
    "no effect, sponsor noise x2": (0.0, {"noise_scale": 2.0}, 20, 1),
    "+25%, sponsor noise x2": (0.25, {"noise_scale": 2.0}, 20, 1),
    "+25%, 8 comparison brands": (0.25, {}, 8, 1),
    "no effect, 5 comparison brands": (0.0, {}, 5, 1),
    "+25%, two sponsors": (0.25, {}, 20, 2),
    "+25%, half of it in the event month": (0.25, {"event_month_share": 0.5}, 20, 1),
}


def run(name: str, panels: int) -> dict:
    effect, options, comparison, sponsors = SCENARIOS[name]
    truth = effect * 100
    event_month = datetime.date(FIRST.year + (FIRST.month - 1 + EVENT) // 12, (FIRST.month - 1 + EVENT) % 12 + 1, 1)
    covered = significant = small_p = withheld = untested = 0
    errors, widths, pre_k1 = [], [], []
    for seed in range(panels):
        treated = list(range(sponsors))
        panel = estimates.synthetic_panel(seed=seed, brands=comparison + sponsors, months=MONTHS, first_month=FIRST,
                                          treated=treated, event_offset=EVENT, effect=effect, **options)
        result = estimates.analyse(panel, 0, list(range(sponsors, comparison + sponsors)), event_month)
        e = result.estimate
        covered += e.effect.low_pct <= truth <= e.effect.high_pct
        significant += not (e.effect.low_pct <= 0 <= e.effect.high_pct)
        small_p += e.p_value < 0.05
        withheld += not result.credible
        untested += "few_for_pretrend" in result.cautions
        errors.append(e.effect.pct - truth)
        widths.append(e.effect.high_pct - e.effect.low_pct)
        pre_k1 += [r.effect.pct for r in result.event_study if r.relative_month in (-2, -3)]
    return {"coverage": covered / panels, "bias": statistics.mean(errors), "significant": significant / panels,
            "p<0.05": small_p / panels, "withheld": withheld / panels, "untested": untested / panels,
            "width": statistics.median(widths), "pre": statistics.mean(pre_k1) if pre_k1 else math.nan}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--panels", type=int, default=200)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"{args.panels} panels a scenario, {MONTHS} months, event at month {EVENT}")
    print("| scenario | coverage | bias (pts) | interval excludes 0 | p < 0.05 | withheld | no pre-trend test "
          "| median width (pts) | months -2,-3 (mean %) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in SCENARIOS:
        if args.only and args.only not in name:
            continue
        r = run(name, args.panels)
        print(f"| {name} | {r['coverage']:.0%} | {r['bias']:+.1f} | {r['significant']:.0%} | {r['p<0.05']:.0%} "
              f"| {r['withheld']:.0%} | {r['untested']:.0%} | {r['width']:.1f} | {r['pre']:+.1f} |")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
