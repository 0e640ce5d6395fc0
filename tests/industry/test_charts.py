"""Issue 24: chart text that can be read on a phone. Month labels never touch (at any number of
months), the axis titles sit clear of the tick labels, and the event study's whiskers end inside
the plot. The charts are 480 units wide, drawn ~360 px wide on a 390 px phone."""

import itertools
import re

from industry import charts


def _texts(svg: str) -> list[tuple[float, float, int, str]]:
    return [(float(x), float(y), int(size), text) for x, y, size, text in
            re.findall(r'<text x="([\d.]+)" y="([\d.]+)" font-size="(\d+)"[^>]*>([^<]*)</text>', svg)]


def _months(n: int) -> list[str]:
    return [f"{24 + i // 12:02d}-{i % 12 + 1:02d}" for i in range(n)]


def test_month_labels_never_touch_and_stay_readable_on_a_phone():
    for n in (6, 12, 19, 24, 36, 60):
        for svg in (charts.bars([(m, 10 + i) for i, m in enumerate(_months(n))], title="t", x_label="月份",
                                y_label="人数"),
                    charts.lines(_months(n), [("a", [1.0 + i for i in range(n)]), ("b", [2.0] * n)], title="t")):
            ticks = sorted((x, text) for x, y, size, text in _texts(svg) if re.fullmatch(r"\d\d-\d\d", text))
            assert len(ticks) >= 3, n
            for (x1, t1), (x2, _t2) in itertools.pairwise(ticks):
                assert x2 - x1 >= (len(t1) + 1) * charts.CHAR - 0.01, (n, t1, x1, x2)
            assert all(size * 360 / charts.W >= 9 for *_, size, _ in _texts(svg))  # >= 9 px on a phone


def test_the_month_axis_title_sits_under_the_month_labels():
    svg = charts.bars([(m, 5.0) for m in _months(19)], title="t", x_label="月份（有活动的月份）")
    title = next(y for x, y, size, text in _texts(svg) if text.startswith("月份"))
    ticks = [y for x, y, size, text in _texts(svg) if re.fullmatch(r"\d\d-\d\d", text)]
    assert title - max(ticks) >= charts.FONT  # a full line below them


def test_event_study_whiskers_end_inside_the_plot_and_the_axis_title_is_clear():
    points = [(k, 5.0 * k, 5.0 * k - 20, 5.0 * k + 20) for k in range(-6, 7) if k != -1]
    svg = charts.effects(points, title="t", x_label="months", y_label="difference in sales, %")
    ends = [float(v) for pair in re.findall(r'y1="([\d.]+)" y2="([\d.]+)" stroke="#(?:d97706|0b6e4f)"', svg)
            for v in pair]
    assert ends and min(ends) > 16 and max(ends) < charts.H - 44  # strictly inside top and bottom
    tick = re.compile(r"[+-]\d+%")
    ticks = [x for x, y, size, text in _texts(svg) if tick.fullmatch(text)]
    title = re.search(r'<text x="([\d.]+)"[^>]*transform="rotate', svg)
    longest = max(len(t) for *_, t in _texts(svg) if tick.fullmatch(t))
    assert float(title.group(1)) + charts.FONT / 2 < min(ticks) - longest * charts.CHAR  # clear of them
