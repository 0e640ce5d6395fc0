"""Server-rendered SVG elevation profile with the climbs marked. No Django."""

from html import escape

WIDTH, HEIGHT = 800, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
CLIMB_COLOURS = {"HC": "#7f1d1d", "1": "#b91c1c", "2": "#dc2626", "3": "#ea580c", "4": "#f59e0b", "": "#fbbf24"}
# the climbs' labels: the band's hue, dark enough to read on the light band (>= 4.5:1, WCAG 1.4.3)
CLIMB_TEXT = {"HC": "#7f1d1d", "1": "#991b1b", "2": "#991b1b", "3": "#9a3412", "4": "#92400e", "": "#92400e"}


def _nice_step(span: float, ticks: int) -> float:
    raw = span / max(ticks, 1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if step >= raw:
            return step
    return raw


def profile_svg(profile: list[list[float]], climbs: list[dict], *, title: str, km_label: str, m_label: str,
                climb_names: dict[str, str] | None = None) -> str:
    """Two <svg>s of elevation (m) against distance (km), one drawn for phones (400 wide, larger
    type) and one for wider screens (CSS shows one); empty string when there is no profile.
    climb_names: how the climb categories read ("HC", "1" ... "4"), in the reader's language."""
    if len(profile) < 2:
        return ""
    return "".join(_profile(profile, climbs, title=title, km_label=km_label, m_label=m_label,
                            climb_names=climb_names or {}, width=width, font=font, css=css)
                   for width, font, css in ((400, 14, "profile profile-narrow"), (800, 12, "profile profile-wide")))


def _profile(profile: list[list[float]], climbs: list[dict], *, title: str, km_label: str, m_label: str,
             climb_names: dict[str, str], width: int, font: int, css: str) -> str:
    WIDTH = width
    km = [p[0] for p in profile]
    ele = [p[1] for p in profile]
    span_km = max(km[-1] - km[0], 0.001)
    low, high = min(ele), max(ele)
    pad = max(10.0, (high - low) * 0.1)
    low, high = low - pad, high + pad
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + (value - km[0]) / span_km * w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * h

    points = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in profile)
    area = f"{x(km[0]):.1f},{TOP + h} {points} {x(km[-1]):.1f},{TOP + h}"
    parts = [
        f'<svg class="{css}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none" data-left="{LEFT}" data-plot="{w}" '
        f'data-km0="{km[0]:g}" data-km1="{km[-1]:g}">',
        f"<title>{escape(title)}</title>",
    ]
    for climb in climbs:  # shaded bands under the climbs
        x1, x2 = x(climb["start_km"]), x(climb["end_km"])
        colour = CLIMB_COLOURS.get(climb.get("category", ""), CLIMB_COLOURS[""])
        label = climb_names.get(climb.get("category", ""), climb.get("category", ""))
        parts.append(f'<rect class="climb" x="{x1:.1f}" y="{TOP}" width="{max(x2 - x1, 1):.1f}" height="{h}" '
                     f'fill="{colour}" fill-opacity="0.18"><title>{escape(label)} {climb["gain_m"]:.0f} m '
                     f'{climb["avg_gradient"]:.1f}%</title></rect>')
        if label:
            parts.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{TOP + 12}" font-size="{font}" text-anchor="middle" '
                         f'fill="{CLIMB_TEXT.get(climb.get("category", ""), CLIMB_TEXT[""])}">{escape(label)}</text>')
    parts.append(f'<polygon points="{area}" fill="#0b6e4f" fill-opacity="0.25"/>')
    parts.append(f'<polyline points="{points}" fill="none" stroke="#0b6e4f" stroke-width="2"/>')
    step = _nice_step(high - low, 4)
    tick = (int(low // step) + 1) * step
    while tick < high:
        if y(tick) < TOP + font + 6:  # would sit on the unit (m) written in the top corner
            tick += step
            continue
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#d9dee3"/>'
                     f'<text x="{LEFT - 4}" y="{y(tick) + 4:.1f}" font-size="{font}" text-anchor="end">'
                     f'{tick:.0f}</text>')
        tick += step
    kstep = _nice_step(span_km, 6)
    k = 0.0
    while k <= km[-1] + 1e-9:
        parts.append(f'<text x="{x(k):.1f}" y="{HEIGHT - 8}" font-size="{font}" text-anchor="middle">{k:g}</text>')
        k += kstep
    # the units in the two corners left of the axes, clear of every tick label (the last km tick sits
    # at the right edge, the top height tick is skipped above)
    parts.append(f'<text x="4" y="{HEIGHT - 8}" font-size="{font}">{escape(km_label)}</text>'
                 f'<text x="4" y="{TOP + 10}" font-size="{font}">{escape(m_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
