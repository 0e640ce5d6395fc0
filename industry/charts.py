"""Small server-rendered SVG charts for the insights pages (no script, no CDN). No Django."""

from __future__ import annotations

from html import escape

W, H, LEFT, BOTTOM, TOP, RIGHT = 480, 240, 40, 44, 16, 16  # drawn small: readable at 390 px wide
COLOURS = ["#0b6e4f", "#d97706", "#2563eb", "#7c3aed", "#dc2626", "#475569"]
# Lines told apart without colour (WCAG 1.4.1): each its own dash pattern and point marker, the same
# in the legend; the values are also in a table beside the chart (data_table).
DASHES = ["", "", "8 4", "2 3", "10 3 2 3", "4 4"]
MARKERS = ["", "circle", "square", "diamond", "triangle", "circle"]
FONT = 14  # viewBox units: on a 390 px phone a 480-unit chart inside a card is ~320 px wide, so this is ~9.4 px
CHAR = FONT * 0.62  # the width of a digit or Latin letter, near enough


def label_every(count: int, slot: float, longest: int) -> int:
    """Label every n-th of `count` slots `slot` units apart so that labels of `longest` characters
    never touch (a gap of one character between them)."""
    return max(1, -(-int((longest + 1) * CHAR) // max(1, int(slot))))


def _frame(title: str) -> list[str]:
    return [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']


def bars(points: list[tuple[str, float | None]], *, title: str, x_label: str = "", y_label: str = "") -> str:
    """Vertical bars (one per month with an event: no line joining months without one); a None
    value (suppressed) is drawn as an empty outline; axes labelled when given."""
    if not points:
        return ""
    top = max((v for _, v in points if v is not None), default=1) or 1
    slot = (W - LEFT - RIGHT) / len(points)
    every = label_every(len(points), slot, max(len(label) for label, _ in points))
    parts = _frame(title)
    for i, (label, value) in enumerate(points):
        x = LEFT + i * slot + slot * 0.15
        height = 0 if value is None else (H - TOP - BOTTOM) * value / top
        y = H - BOTTOM - height
        if value is None:
            parts.append(f'<rect x="{x:.1f}" y="{H - BOTTOM - 6}" width="{slot * 0.7:.1f}" height="6" fill="none" '
                         f'stroke="#94a3b8"><title>{escape(label)}: &lt;5</title></rect>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
                         f'fill="{COLOURS[0]}"><title>{escape(label)}: {value:g}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{H - BOTTOM + FONT + 4}" font-size="{FONT}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text x="4" y="{TOP + 8}" font-size="{FONT}">{top:g}</text>')
    if y_label:
        parts.append(f'<text x="{LEFT + 4}" y="{TOP + 8}" font-size="{FONT}">{escape(y_label)}</text>')
    if x_label:  # under the month labels, clear of the bars and of them
        parts.append(f'<text x="{W - RIGHT}" y="{H - 4}" font-size="{FONT}" text-anchor="end">{escape(x_label)}'
                     f'</text>')
    parts.append("</svg>")
    return "".join(parts)


def lines(labels: list[str], series: list[tuple[str, list[float]]], *, title: str, peak: str = "max {n}",
          axis: str = "% of peak", x_label: str = "") -> str:
    """Several series over the same months, each scaled to its own peak (shapes, not levels: the
    axis and legend say so), so participation and sales can be compared by eye. The first series
    (participation: events happen in some months only) is drawn as bars, the others as lines, so
    a month without an event reads as no event, not as a fall. The legend sits under the plot."""
    if not labels or not series:
        return ""
    legend_rows = len(series)
    height = H + 18 * legend_rows
    step = (W - LEFT - RIGHT) / max(1, len(labels))
    plot = H - TOP - BOTTOM - FONT  # the axis title gets its own line above the plot (clear of "100")
    parts = [f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for fraction in (0.0, 0.5, 1.0):  # the y axis: share of each series' own peak
        y = H - BOTTOM - plot * fraction
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dee3"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="{FONT}" text-anchor="end">{fraction * 100:.0f}'
                     f'</text>')
    parts.append(f'<text x="4" y="{TOP}" font-size="{FONT}">{escape(axis)}</text>')
    for k, (name, values) in enumerate(series):
        top = max(values) or 1
        colour = COLOURS[k % len(COLOURS)]
        if k == 0:
            for i, v in enumerate(values):
                if v:
                    bar = plot * v / top
                    parts.append(f'<rect x="{LEFT + i * step + step * 0.2:.1f}" y="{H - BOTTOM - bar:.1f}" '
                                 f'width="{step * 0.6:.1f}" height="{bar:.1f}" fill="{colour}" fill-opacity="0.35">'
                                 f'<title>{escape(labels[i])}: {v:g}</title></rect>')
        else:
            xy = [(LEFT + (i + 0.5) * step, H - BOTTOM - plot * v / top) for i, v in enumerate(values)]
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{_dash(k)}/>')
            parts.extend(_marker(MARKERS[k % len(MARKERS)], x, y, colour) for x, y in xy)
        lx, ly = 4, H + 6 + 18 * k
        if k == 0:
            parts.append(f'<rect x="{lx}" y="{ly}" width="24" height="12" fill="{colour}" fill-opacity="0.35"/>')
        else:
            parts.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{ly + 6}" y2="{ly + 6}" stroke="{colour}" '
                         f'stroke-width="2"{_dash(k)}/>' + _marker(MARKERS[k % len(MARKERS)], lx + 12, ly + 6, colour))
        parts.append(f'<text x="{lx + 30}" y="{ly + 11}" font-size="{FONT}">{escape(name)} '
                     f'({escape(peak.format(n=f"{top:g}"))})</text>')
    every = label_every(len(labels), step, max(len(label) for label in labels))
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{LEFT + (i + 0.5) * step:.1f}" y="{H - BOTTOM + FONT + 4}" font-size="{FONT}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    if x_label:  # under the month labels
        parts.append(f'<text x="{W - RIGHT}" y="{H - 4}" font-size="{FONT}" text-anchor="end">'
                     f'{escape(x_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _dash(k: int) -> str:
    dash = DASHES[k % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "diamond":
        return f'<path d="M{x:.1f} {y - 4.5:.1f}l4.5 4.5l-4.5 4.5l-4.5-4.5z" fill="{colour}"/>'
    if shape == "triangle":
        return f'<path d="M{x:.1f} {y - 4.5:.1f}l4.5 8h-9z" fill="{colour}"/>'
    return ""


def data_table(labels: list[str], series: list[tuple[str, list[float]]], *, caption: str, first: str) -> str:
    """The numbers a chart draws, as a table beside it (screen readers, colour-blind readers, and
    anyone who wants the figures): one row per label, one column per series."""
    if not labels or not series:
        return ""
    head = "".join(f"<th>{escape(name)}</th>" for name, _ in series)
    rows = "".join(f"<tr><td>{escape(label)}</td>" + "".join(f"<td>{values[i]:g}</td>" for _, values in series)
                   + "</tr>" for i, label in enumerate(labels))
    return (f'<details class="chart-data"><summary>{escape(caption)}</summary><div class="table-scroll"><table>'
            f"<thead><tr><th>{escape(first)}</th>{head}</tr></thead><tbody>{rows}</tbody></table></div></details>")


def hbars(points: list[tuple[str, int | None]], *, title: str) -> str:
    """Horizontal bars with shares in percent."""
    if not points:
        return ""
    total = sum(v for _, v in points if v) or 1
    row = 24
    height = TOP + row * len(points) + 10
    parts = [f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(points):
        y = TOP + i * row
        width = 0 if not value else (W - 230) * value / total
        share = "&lt;5" if value is None else f"{value} ({value / total * 100:.0f}%)"
        parts.append(f'<text x="4" y="{y + 14}" font-size="{FONT}">{escape(label)}</text>'
                     f'<rect x="120" y="{y + 4}" width="{width:.1f}" height="14" fill="{COLOURS[i % len(COLOURS)]}"/>'
                     f'<text x="{126 + width:.1f}" y="{y + 14}" font-size="{FONT}">{share}</text>')
    parts.append("</svg>")
    return "".join(parts)


def effects(points: list[tuple[int, float, float, float]], *, title: str, x_label: str, y_label: str) -> str:
    """An event study: the effect (%) at each month relative to the event with its 95% interval as a
    whisker, a zero line, month -1 the reference (drawn at 0), labelled axes."""
    if not points:
        return ""
    low = min(min(p[2] for p in points), 0.0)
    high = max(max(p[3] for p in points), 0.0)
    pad = ((high - low) or 1.0) * 0.06  # whiskers end inside the plot, never on its edge
    low, high = low - pad, high + pad
    span = high - low
    left, bottom, top = 64, 44, 16
    plot_w, plot_h = W - left - RIGHT, H - top - bottom
    ks = sorted({p[0] for p in points} | {-1})
    first, last = ks[0], ks[-1]

    def x(k: int) -> float:
        return left + (k - first + 0.5) / (last - first + 1) * plot_w

    def y(v: float) -> float:
        return top + (high - v) / span * plot_h

    parts = _frame(title)
    for value in (low + pad, 0.0, high - pad):
        stroke = "#64748b" if value == 0 else "#d9dee3"
        parts.append(f'<line x1="{left}" x2="{W - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{stroke}"/>'
                     f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="{FONT}" text-anchor="end">'
                     f'{value:+.0f}%</text>')
    parts.append(f'<line x1="{x(-0.5):.1f}" x2="{x(-0.5):.1f}" y1="{top}" y2="{H - bottom}" stroke="#94a3b8" '
                 f'stroke-dasharray="4 3"/>')
    for k, effect, lo, hi in points:
        colour = COLOURS[1] if k < 0 else COLOURS[0]
        parts.append(f'<line x1="{x(k):.1f}" x2="{x(k):.1f}" y1="{y(hi):.1f}" y2="{y(lo):.1f}" stroke="{colour}" '
                     f'stroke-width="2"/><circle cx="{x(k):.1f}" cy="{y(effect):.1f}" r="4" fill="{colour}">'
                     f'<title>{k:+d}: {effect:+.1f}% ({lo:+.1f}% … {hi:+.1f}%)</title></circle>')
    parts.append(f'<circle cx="{x(-1):.1f}" cy="{y(0):.1f}" r="4" fill="#fff" stroke="#64748b"/>')
    every = label_every(len(ks), plot_w / max(1, last - first + 1), max(len(f"{k:+d}") for k in ks))
    for k in ks:
        if (k - first) % every == 0:
            parts.append(f'<text x="{x(k):.1f}" y="{H - bottom + 18}" font-size="{FONT}" text-anchor="middle">'
                         f'{k:+d}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{H - 6}" font-size="{FONT}" text-anchor="middle">'
                 f'{escape(x_label)}</text>')
    # the axis title turned on its side, left of the tick labels (which end at left - 6)
    parts.append(f'<text x="11" y="{top + plot_h / 2:.1f}" font-size="{FONT}" text-anchor="middle" '
                 f'transform="rotate(-90 11 {top + plot_h / 2:.1f})">{escape(y_label)}</text></svg>')
    return "".join(parts)
