"""Route statistics on generated tracks: true distances, noise-robust climbing, climbs, geometry."""

import math

import gpxpy.gpx
import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from routes import geo

WGS84 = Geodesic.WGS84


def line(lat1, lon1, lat2, lon2, step_m=10.0):
    """Points every ~step_m along the geodesic between two places."""
    inverse = WGS84.InverseLine(lat1, lon1, lat2, lon2)
    n = max(2, int(inverse.s13 / step_m) + 1)
    positions = [inverse.Position(inverse.s13 * i / (n - 1)) for i in range(n)]
    return np.array([p["lat2"] for p in positions]), np.array([p["lon2"] for p in positions]), inverse.s13


def along(lat, lon):
    return np.concatenate(([0.0], np.cumsum(geo.step_lengths(lat, lon))))


def stats_for(lat, lon, ele):
    return geo.compute(lat, lon, ele, [slice(0, len(lat))])


@pytest.mark.parametrize(
    ("start", "end"),
    [((36.5, 114.5), (37.5, 114.5)),  # a meridian through Xingtai
     ((37.05, 113.9), (37.05, 114.6)),  # a parallel from the Taihang to the city
     ((37.3, 114.0), (36.9, 114.7)),  # a diagonal
     ((0.0, 10.0), (1.0, 10.0)), ((60.0, 10.0), (60.5, 11.0))],
)
def test_distance_within_0_1_percent_of_the_geodesic(start, end):
    lat, lon, truth = line(*start, *end)
    ours = geo.step_lengths(lat, lon).sum()
    assert ours == pytest.approx(truth, rel=1e-3)
    assert ours == pytest.approx(truth, rel=1e-6)  # in fact far closer than required


def test_gpxpy_sphere_reads_the_xingtai_meridian_long_and_we_do_not():
    lat, lon, truth = line(36.5, 114.5, 37.5, 114.5, step_m=100)
    segment = gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(a, b) for a, b in zip(lat, lon)])
    assert segment.length_2d() / truth - 1 > 0.0025  # ~0.3% long on its 6378.137 km sphere
    assert abs(geo.step_lengths(lat, lon).sum() / truth - 1) < 1e-5


def test_long_steps_use_the_exact_geodesic():
    lat, lon = np.array([37.05, 48.85]), np.array([114.5, 2.35])  # Xingtai to Paris in one step
    truth = WGS84.Inverse(37.05, 114.5, 48.85, 2.35)["s12"]
    assert geo.step_lengths(lat, lon)[0] == pytest.approx(truth, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.02, 0.02), st.floats(-0.02, 0.02)), min_size=2, max_size=30),
       st.floats(-70, 70), st.floats(-179, 179))
def test_distance_matches_geodesic_for_random_short_paths(offsets, lat0, lon0):
    lat = np.array([lat0 + a for a, _ in offsets])
    lon = np.array([lon0 + b for _, b in offsets])
    truth = sum(WGS84.Inverse(lat[i], lon[i], lat[i + 1], lon[i + 1])["s12"] for i in range(len(lat) - 1))
    assert geo.step_lengths(lat, lon).sum() == pytest.approx(truth, rel=1e-3, abs=0.01)


def _loop(n=2000, radius_deg=0.03):
    t = np.linspace(0, 2 * np.pi, n)
    return 37.05 + radius_deg * np.sin(t), 114.5 + radius_deg * 1.25 * np.cos(t)


def test_flat_loop_with_2m_gps_noise_reads_near_zero_gain():
    rng = np.random.default_rng(7)
    lat, lon = _loop()
    ele = 68 + rng.normal(0, 2.0, len(lat))
    stats = stats_for(lat, lon, ele)
    assert stats.elevation_gain_m < 10
    assert stats.elevation_loss_m < 10
    segment = gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(a, b, elevation=e) for a, b, e in zip(lat, lon, ele)])
    assert segment.get_uphill_downhill().uphill > 200  # what naive summing reads on the same track
    assert stats.is_loop


def test_flat_ride_with_barometer_steps_and_drift_reads_near_zero_gain():
    rng = np.random.default_rng(11)
    lat, lon, _ = line(37.0, 114.4, 37.0, 114.7, step_m=8)
    drift = 1.5 * np.sin(np.linspace(0, 6, len(lat)))  # weather drift over the ride
    ele = np.round((60 + drift + rng.normal(0, 0.4, len(lat))) / 0.2) * 0.2  # 0.2 m sensor steps
    stats = stats_for(lat, lon, ele)
    assert stats.elevation_gain_m < 8
    assert not stats.climbs


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_noisy_500m_climb_reads_within_5_percent(seed):
    rng = np.random.default_rng(seed)
    lat, lon, length = line(37.0, 114.0, 37.08, 114.05, step_m=10)
    ele = 300 + 500 * along(lat, lon) / length + rng.normal(0, 3.0, len(lat))
    stats = stats_for(lat, lon, ele)
    assert stats.elevation_gain_m == pytest.approx(500, rel=0.05)
    assert stats.elevation_loss_m < 25
    segment = gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(a, b, elevation=e) for a, b, e in zip(lat, lon, ele)])
    assert segment.get_uphill_downhill().uphill > 700  # naive summing inflates it


@pytest.mark.parametrize(
    ("length_km", "grade", "category"),
    [(2.0, 5.0, "4"), (4.0, 5.0, "3"), (5.0, 7.0, "2"), (9.0, 8.0, "1"), (12.0, 8.0, "HC")],
)
def test_climb_categories_by_length_times_gradient(length_km, grade, category):
    lat, lon, length = line(37.0, 114.0, 37.0 + length_km / 111.0 * 1.6, 114.0, step_m=10)
    dist = along(lat, lon)
    flat = length / 5.0
    rise = np.clip(dist - flat, 0, length_km * 1000) * grade / 100
    stats = stats_for(lat, lon, 200 + rise)
    climbs = [c for c in stats.climbs if c.category]
    assert len(climbs) == 1
    assert climbs[0].category == category
    assert climbs[0].avg_gradient == pytest.approx(grade, rel=0.1)
    assert climbs[0].length_m == pytest.approx(length_km * 1000, abs=150)  # the 100 m smoothing blurs the ends
    assert stats.max_gradient == pytest.approx(grade, rel=0.1)


def test_two_climbs_and_the_difficulty_grade():
    lat, lon, length = line(37.0, 114.0, 37.4, 114.0, step_m=20)
    d = along(lat, lon)
    ele = 100 + np.interp(d, [0, 5000, 10000, 20000, 25000, 35000, length], [0, 0, 400, 400, 0, 500, 500])
    stats = stats_for(lat, lon, ele)
    assert [c.category for c in stats.climbs] == ["2", "2"]
    assert stats.elevation_gain_m == pytest.approx(900, rel=0.03)
    assert stats.avg_climb_gradient == pytest.approx(900 / 15_000 * 100, rel=0.1)
    effort = length / 1000 + 900 / 10
    assert stats.difficulty == 4 if 100 <= effort < 150 else 5


def test_difficulty_and_riding_time_formulae():
    assert geo.difficulty_grade(20, 0) == 1
    assert geo.difficulty_grade(40, 100) == 2
    assert geo.difficulty_grade(60, 300) == 3
    assert geo.difficulty_grade(100, 400) == 4
    assert geo.difficulty_grade(120, 2000) == 5
    assert geo.riding_time_hours(40_000, 500, 20) == pytest.approx(2.25)
    assert geo.riding_time_hours(40_000, None, 20) == pytest.approx(2.0)


def test_track_without_elevation_is_distance_only():
    lat, lon = _loop(300)
    stats = stats_for(lat, lon, np.full(len(lat), np.nan))
    assert stats.has_elevation is False
    assert stats.elevation_gain_m is None and stats.profile == [] and stats.climbs == []
    assert stats.distance_m > 0


def test_point_to_point_is_not_a_loop_and_bbox_start_finish():
    lat, lon, _ = line(37.0, 114.0, 37.1, 114.2)
    stats = stats_for(lat, lon, np.full(len(lat), 100.0))
    assert not stats.is_loop
    assert stats.start == pytest.approx((37.0, 114.0)) and stats.finish == pytest.approx((37.1, 114.2))
    assert stats.bbox == pytest.approx((37.0, 114.0, 37.1, 114.2))


def test_gaps_between_segments_are_not_distance():
    lat1, lon1, d1 = line(37.0, 114.0, 37.01, 114.0)
    lat2, lon2, d2 = line(37.5, 114.5, 37.51, 114.5)
    lat, lon = np.concatenate((lat1, lat2)), np.concatenate((lon1, lon2))
    stats = geo.compute(lat, lon, np.full(len(lat), 50.0), [slice(0, len(lat1)), slice(len(lat1), len(lat))])
    assert stats.distance_m == pytest.approx(d1 + d2, rel=1e-6)
    assert len(stats.line) == 2


def _distance_to_polyline_m(lat, lon, line_points):
    """Largest distance (m) from any original point to the simplified line (planar, small area)."""
    ref = math.radians(float(np.mean(lat)))
    px, py = np.radians(lon) * 6378137 * math.cos(ref), np.radians(lat) * 6378137
    sl = np.array(line_points)
    sx, sy = np.radians(sl[:, 1]) * 6378137 * math.cos(ref), np.radians(sl[:, 0]) * 6378137
    worst = 0.0
    for x, y in zip(px, py):
        ax, ay, bx, by = sx[:-1], sy[:-1], sx[1:], sy[1:]
        dx, dy = bx - ax, by - ay
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
        worst = max(worst, float(np.min(np.hypot(ax + t * dx - x, ay + t * dy - y))))
    return worst


def test_simplified_line_keeps_the_shape_within_a_few_metres():
    t = np.linspace(0, 40 * np.pi, 30_000)  # a wiggly 30,000-point track
    lat = 37.0 + t / 1000 + 0.002 * np.sin(t)
    lon = 114.0 + 0.003 * np.cos(t * 0.5)
    stats = stats_for(lat, lon, np.full(len(lat), 100.0))
    kept = stats.line[0]
    assert len(kept) <= 1500
    assert kept[0] == [round(lat[0], 6), round(lon[0], 6)] and kept[-1] == [round(lat[-1], 6), round(lon[-1], 6)]
    assert _distance_to_polyline_m(lat[::10], lon[::10], kept) < 3


def test_simplified_line_is_capped_at_1500_points_on_a_complex_track():
    rng = np.random.default_rng(3)
    lat = 37.0 + np.cumsum(rng.normal(0, 0.0003, 40_000))  # a 40,000-point random walk
    lon = 114.0 + np.cumsum(rng.normal(0, 0.0003, 40_000))
    stats = stats_for(lat, lon, np.full(len(lat), 100.0))
    assert len(stats.line[0]) == 1500
    bbox = max(np.ptp(lat), np.ptp(lon)) * 111_000
    assert _distance_to_polyline_m(lat[::40], lon[::40], stats.line[0]) < bbox * 0.02


def test_profile_has_at_most_500_samples_from_start_to_finish():
    lat, lon, length = line(37.0, 114.0, 37.5, 114.0, step_m=5)
    stats = stats_for(lat, lon, 100 + np.arange(len(lat)) * 0.01)
    assert 100 < len(stats.profile) <= 501
    assert stats.profile[0][0] == 0 and stats.profile[-1][0] == pytest.approx(length / 1000, abs=0.02)
