"""The server-rendered elevation profile."""

from routes.svg import profile_svg

PROFILE = [[0.0, 100.0], [1.0, 120.0], [2.0, 200.0], [3.0, 180.0]]
CLIMBS = [{"start_km": 1.0, "end_km": 2.0, "gain_m": 80, "avg_gradient": 8.0, "category": "4"}]


def test_profile_svg_draws_line_climbs_and_axes_for_phones_and_wide_screens():
    svg = profile_svg(PROFILE, CLIMBS, title="七里河 <profile>", km_label="公里", m_label="米",
                      climb_names={"4": "四级坡"})
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2 and 'class="climb"' in svg and "四级坡" in svg and "Cat" not in svg
    assert 'class="profile profile-narrow" viewBox="0 0 400 220"' in svg and 'viewBox="0 0 800 220"' in svg
    assert 'font-size="14"' in svg  # the phone drawing: 14 units in 400, about 12 px on a 360-px screen
    assert "&lt;profile&gt;" in svg and "<profile>" not in svg  # labels are escaped
    assert "公里" in svg and "米" in svg


def test_profile_svg_empty_without_profile():
    assert profile_svg([], [], title="x", km_label="km", m_label="m") == ""


def _boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every <text>: CJK a full em wide, other characters 0.6 em."""
    import re

    boxes = []
    for attrs, text in re.findall(r"<text ([^>]*)>([^<]*)</text>", svg):
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        if "transform" in a:
            continue
        size, x, y = float(a["font-size"]), float(a["x"]), float(a["y"])
        width = sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text)
        left = {"middle": x - width / 2, "end": x - width}.get(a.get("text-anchor", ""), x)
        boxes.append((text, left, y - size * 0.8, left + width, y + size * 0.2))
    return boxes


def _overlaps(svg: str) -> list[tuple[str, str]]:
    boxes = _boxes(svg)
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


def test_no_two_labels_of_the_profile_overlap():
    """Issue 25: at 390 px "40" sat over "公里" and "米" over "1000". Every label of both drawings is
    clear of every other, over routes of many lengths and heights, and the climbs' labels are dark
    enough to read on their band."""
    from routes.svg import CLIMB_TEXT

    for length, top in ((3, 200), (40, 1000), (97, 1450), (12.5, 260), (160, 2300)):
        profile = [[length * i / 50, 100 + (top - 100) * (i % 25) / 24] for i in range(51)]
        svg = profile_svg(profile, CLIMBS, title="t", km_label="公里", m_label="米", climb_names={"4": "四级"})
        for drawing in svg.split("</svg>")[:2]:
            assert _overlaps(drawing) == [], (length, top, _overlaps(drawing))
    assert set(CLIMB_TEXT.values()) <= {"#7f1d1d", "#991b1b", "#9a3412", "#92400e"}  # >= 4.5:1 on #fff
    assert 'fill="#f59e0b">' not in profile_svg(PROFILE, CLIMBS, title="t", km_label="km", m_label="m",
                                                 climb_names={"4": "4"})
