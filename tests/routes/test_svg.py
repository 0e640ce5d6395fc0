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
