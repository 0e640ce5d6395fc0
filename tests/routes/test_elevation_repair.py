"""Issue 15: heights that can be trusted. Spikes and steps are repaired (robust filter on height
against distance, a physical cap on grade), each version carries a quality flag shown on the page,
and a terrain model (SRTM .hgt tiles in ROUTE_DEM_DIR) replaces recorded heights when present."""

import math
from pathlib import Path

import numpy as np
import pytest

from routes import dem, elevation, formats, geo
from routes.services import route_import
from tests.helpers import make_gpx

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gpx"
MTK = CORPUS / "GPSBabel__gpsbabel" / "mtk_logger_m241_multiple_tracks.gpx"


def _line(n: int = 2000, step_deg: float = 0.0001):
    """A straight line north from Xingtai, about 11 m between points."""
    lat = 37.0 + np.arange(n) * step_deg
    lon = np.full(n, 114.5)
    return lat, lon


def test_the_mtk_logger_file_comes_out_believable_and_flagged():
    parsed = formats.parse(MTK.read_bytes(), max_bytes=20_000_000, max_points=200_000)
    stats = geo.compute(parsed.lat, parsed.lon, parsed.ele, parsed.segments())
    assert stats.max_gradient <= 30.0  # was 145.6% over 100 m
    assert stats.min_elevation_m >= -50  # was -672 m
    assert all(c.avg_gradient <= 30.0 for c in stats.climbs)  # was an HC climb at 36.5%
    assert stats.elevation_quality in ("repaired", "unreliable")


def test_a_clean_profile_is_left_alone_and_good():
    lat, lon = _line()
    ele = 100 + np.linspace(0, 150, len(lat))  # 150 m over 22 km: 0.7%
    stats = geo.compute(lat, lon, ele, [slice(0, len(lat))])
    assert stats.elevation_quality == "good" and stats.elevation_changed_share == 0
    assert stats.elevation_gain_m == pytest.approx(150, abs=2)


def test_a_spike_is_removed_and_the_version_says_repaired():
    lat, lon = _line()
    ele = 100 + np.linspace(0, 150, len(lat))
    ele[700] = 900.0  # one sample 800 m too high
    ele[1200] = -600.0  # and one far below sea level
    stats = geo.compute(lat, lon, ele, [slice(0, len(lat))])
    assert stats.elevation_quality == "repaired"
    assert stats.elevation_gain_m == pytest.approx(150, abs=5)  # not 150 + 2 x 800
    assert stats.max_gradient < 5 and stats.min_elevation_m >= 99


def test_a_step_is_limited_to_a_climbable_grade():
    lat, lon = _line()
    ele = np.full(len(lat), 200.0)
    ele[1000:] = 500.0  # a barometer jump of 300 m between two points 11 m apart
    stats = geo.compute(lat, lon, ele, [slice(0, len(lat))])
    assert stats.max_gradient <= elevation.MAX_GRADE
    assert stats.elevation_quality in ("repaired", "unreliable")


def test_no_grade_across_the_gap_between_segments():
    """Two segments far apart at different heights: the jump between them is neither a climb nor
    a grade (it used to be, as distance runs on across gaps)."""
    lat, lon = _line(1000)
    lat2 = lat + 0.5
    ele = np.concatenate([np.full(1000, 100.0), np.full(1000, 900.0)])
    stats = geo.compute(np.concatenate([lat, lat2]), np.concatenate([lon, lon]), ele,
                        [slice(0, 1000), slice(1000, 2000)])
    assert stats.elevation_gain_m == 0 and stats.max_gradient == 0 and not stats.climbs
    assert stats.elevation_quality == "good"


def _write_tile(folder: Path, lat0: int, lon0: int, side: int, height) -> Path:
    rows = np.arange(side)[:, None]
    cols = np.arange(side)[None, :]
    lat = lat0 + 1 - rows / (side - 1)
    lon = lon0 + cols / (side - 1)
    grid = np.round(np.asarray(height(lat, lon), dtype=float)).astype(">i2")
    path = folder / dem.tile_name(lat0, lon0)
    grid.tofile(path)
    return path


def test_dem_sampling_is_bilinear_on_3_and_1_arc_second_tiles(tmp_path):
    # heights rising 1000 m per degree east: bilinear sampling returns the plane exactly
    _write_tile(tmp_path, 37, 114, 1201, lambda lat, lon: (lon - 114) * 1000 + 100 + 0 * lat)
    lat = np.array([37.25, 37.5, 37.987654])
    lon = np.array([114.123456, 114.5, 114.999])
    assert dem.sample(lat, lon, str(tmp_path)) == pytest.approx((lon - 114) * 1000 + 100, abs=0.51)
    one = tmp_path / "one"
    one.mkdir()
    _write_tile(one, 36, 113, 3601, lambda lat, lon: (lat - 36) * 2000 + 0 * lon)
    assert dem.sample(np.array([36.4321]), np.array([113.7]), str(one))[0] == pytest.approx(864.2, abs=0.51)
    # outside every tile, and on a void: no height
    assert math.isnan(dem.sample(np.array([40.5]), np.array([116.5]), str(tmp_path))[0])


def test_dem_void_gives_no_height(tmp_path):
    _write_tile(tmp_path, 37, 114, 1201, lambda lat, lon: np.where(lon > 114.5, -32768, 300) + 0 * lat)
    heights = dem.sample(np.array([37.5, 37.5]), np.array([114.2, 114.8]), str(tmp_path))
    assert heights[0] == 300 and math.isnan(heights[1])


def test_tiles_for_xingtai():
    assert dem.tiles_for(36.5, 113.8, 37.5, 114.9) == ["N36E113.hgt", "N36E114.hgt", "N37E113.hgt", "N37E114.hgt"]


def test_with_a_terrain_model_the_page_shows_its_heights_and_keeps_the_recorded(client, organizer, settings,
                                                                                 tmp_path):
    # the terrain rises 2 m per 0.0002 degrees north (about 9%); the file claims a flat 100 m climb
    _write_tile(tmp_path, 37, 114, 1201, lambda lat, lon: 200 + (lat - 37) * 10000 + 0 * lon)
    settings.ROUTE_DEM_DIR = str(tmp_path)
    version = route_import(owner=organizer, data=make_gpx(climb_m=100), filename="t.gpx", publish=True)
    assert version.elevation_source == "terrain"
    # 200 points x 0.0002 degrees = 0.04 degrees north = 400 m of height in the model
    assert version.elevation_gain_m == pytest.approx(398, abs=8)
    assert version.recorded_gain_m == pytest.approx(99, abs=3)
    page = client.get(f"/routes/{version.route.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="elevation-source"' in page and "terrain model" in page.lower()
    assert "recorded in the file: ↗ 99 m" in page.lower() or "↗ 99 m" in page or "↗ 98 m" in page


def test_without_tiles_for_the_route_the_recorded_heights_stay(organizer, settings, tmp_path):
    _write_tile(tmp_path, 30, 100, 1201, lambda lat, lon: 0 * lat + 5)
    settings.ROUTE_DEM_DIR = str(tmp_path)
    version = route_import(owner=organizer, data=make_gpx(climb_m=100), filename="t.gpx", publish=True)
    assert version.elevation_source == "recorded" and version.recorded_gain_m is None


def test_the_quality_flag_is_on_the_page(client, organizer):
    version = route_import(owner=organizer, data=MTK.read_bytes(), filename=MTK.name, publish=True)
    page = client.get(f"/routes/{version.route.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="elevation-quality"' in page
    good = route_import(owner=organizer, data=make_gpx(climb_m=100), filename="g.gpx", publish=True)
    page = client.get(f"/routes/{good.route.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-quality="good"' in page
