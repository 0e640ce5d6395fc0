"""Small server-rendered SVG charts for the insights pages (no script, no CDN). No Django."""

from __future__ import annotations

from html import escape

W, H, LEFT, BOTTOM, TOP, RIGHT = 640, 240, 44, 30, 14, 44
COLOURS = ["#0b6e4f", "#d97706", "#2563eb", "#7c3aed", "#dc2626", "#475569"]


def _frame(title: str) -> list[str]:
    return [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']


def bars(points: list[tuple[str, float | None]], *, title: str) -> str:
    """Vertical bars; a None value (suppressed) is drawn as an empty outline."""
    if not points:
        return ""
    top = max((v for _, v in points if v is not None), default=1) or 1
    slot = (W - LEFT - RIGHT) / len(points)
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
        if len(points) <= 14 or i % max(1, len(points) // 12) == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{H - 10}" font-size="10" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append(f'<text x="4" y="{TOP + 8}" font-size="10">{top:g}</text></svg>')
    return "".join(parts)


def lines(labels: list[str], series: list[tuple[str, list[float]]], *, title: str) -> str:
    """Several series over the same months, each scaled to its own maximum (shapes, not levels:
    the legend says so), so participation and sales can be compared by eye."""
    if not labels or not series:
        return ""
    step = (W - LEFT - RIGHT) / max(1, len(labels) - 1)
    parts = _frame(title)
    for k, (name, values) in enumerate(series):
        top = max(values) or 1
        points = " ".join(f"{LEFT + i * step:.1f},{H - BOTTOM - (H - TOP - BOTTOM) * v / top:.1f}"
                          for i, v in enumerate(values))
        colour = COLOURS[k % len(COLOURS)]
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{LEFT + 4}" y="{TOP + 12 + 13 * k}" font-size="11" fill="{colour}">'
                     f'{escape(name)} (max {top:g})</text>')
    for i, label in enumerate(labels):
        if i % max(1, len(labels) // 8) == 0:
            parts.append(f'<text x="{LEFT + i * step:.1f}" y="{H - 10}" font-size="10" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hbars(points: list[tuple[str, int | None]], *, title: str) -> str:
    """Horizontal bars with shares in percent."""
    if not points:
        return ""
    total = sum(v for _, v in points if v) or 1
    row = 22
    height = TOP + row * len(points) + 10
    parts = [f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(points):
        y = TOP + i * row
        width = 0 if not value else (W - 260) * value / total
        share = "&lt;5" if value is None else f"{value} ({value / total * 100:.0f}%)"
        parts.append(f'<text x="4" y="{y + 14}" font-size="11">{escape(label)}</text>'
                     f'<rect x="150" y="{y + 3}" width="{width:.1f}" height="14" fill="{COLOURS[i % len(COLOURS)]}"/>'
                     f'<text x="{156 + width:.1f}" y="{y + 14}" font-size="11">{share}</text>')
    parts.append("</svg>")
    return "".join(parts)
