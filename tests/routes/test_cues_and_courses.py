"""Issue 15: cue sheets found in the geometry (turns, not GPS wiggle or roundabouts), merged with the
points of interest, edited by organizers; and courses for bike computers read back with a different
reader than the one that wrote them (Garmin's decoder for FIT, lxml for TCX, gpxpy for GPX)."""

import csv
import io
import itertools
import math

import gpxpy
import numpy as np
import pytest
from garmin_fit_sdk import Decoder, Stream
from lxml import etree

from core.errors import ServiceError
from routes import cues, geo
from routes.models import Cue
from routes.selectors import cue_sheet
from routes.services import cue_add, cue_delete, cue_rename, route_import

M_LAT = 111_000.0
M_LON = 111_000.0 * math.cos(math.radians(37.05))


def _polyline(corners: list[tuple[float, float]], spacing_m: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Points every spacing_m metres along straight legs between (east m, north m) corners near Xingtai."""
    xs, ys = [], []
    for (x1, y1), (x2, y2) in itertools.pairwise(corners):
        n = max(1, int(math.hypot(x2 - x1, y2 - y1) / spacing_m))
        for t in np.arange(n) / n:
            xs.append(x1 + (x2 - x1) * t)
            ys.append(y1 + (y2 - y1) * t)
    xs.append(corners[-1][0])
    ys.append(corners[-1][1])
    return 37.05 + np.array(ys) / M_LAT, 114.5 + np.array(xs) / M_LON


def _gpx(lat, lon, waypoints: str = "") -> bytes:
    points = "".join(f'<trkpt lat="{a:.7f}" lon="{b:.7f}"><ele>{100 + i * 0.01:.2f}</ele></trkpt>'
                     for i, (a, b) in enumerate(zip(lat, lon)))
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"{waypoints}<trk><trkseg>{points}</trkseg></trk></gpx>").encode()


def _legs(*legs: tuple[float, float]) -> list[tuple[float, float]]:
    """Corners (east m, north m) from (compass heading in degrees, length m) legs, starting at 0, 0."""
    corners = [(0.0, 0.0)]
    for heading, length in legs:
        x, y = corners[-1]
        corners.append((x + length * math.sin(math.radians(heading)), y + length * math.cos(math.radians(heading))))
    return corners


def _wpt(north_m: float, east_m: float, name: str, kind: str) -> str:
    return (f'<wpt lat="{37.05 + north_m / M_LAT:.7f}" lon="{114.5 + east_m / M_LON:.7f}"><name>{name}</name>'
            f"<type>{kind}</type></wpt>")


# north 1 km, right (east) 1 km, left (north) 1 km, bear right 38 degrees for 1 km, then sharp left (150)
ROUTE = _legs((0, 1000), (90, 1000), (0, 1000), (38, 1000), (-112, 600))


def test_turns_are_found_with_their_side_and_size():
    lat, lon = _polyline(ROUTE)
    turns, _ = cues.detect(lat, lon, [slice(0, len(lat))])
    assert [t.kind for t in turns] == ["right", "left", "slight_right", "sharp_left"]
    assert [round(t.distance_m / 100) for t in turns] == [10, 20, 30, 40]


def test_gps_wiggle_adds_no_cue():
    lat, lon = _polyline(ROUTE)
    rng = np.random.default_rng(7)
    noisy_lat = lat + rng.normal(0, 3, len(lat)) / M_LAT
    noisy_lon = lon + rng.normal(0, 3, len(lon)) / M_LON
    turns, _ = cues.detect(noisy_lat, noisy_lon, [slice(0, len(lat))])
    assert [t.kind for t in turns] == ["right", "left", "slight_right", "sharp_left"]


def _roundabout(exit_angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """North 1 km into a 25 m roundabout, round it anticlockwise (right-hand traffic), out at the exit
    angle (0: straight on, -90: left, 90: right), then 1 km on."""
    radius = 25.0
    centre = (0.0, 1000.0 + radius)
    points = [(0.0, y) for y in np.arange(0, 1000, 10.0)]
    entry = -90.0  # entering from the south side
    leave = entry + (180.0 - exit_angle_deg) % 360 if exit_angle_deg != 0 else entry + 180.0
    # anticlockwise from the south point: east side first
    for a in np.linspace(entry, leave, 40):
        points.append((centre[0] + radius * math.cos(math.radians(a)), centre[1] + radius * math.sin(math.radians(a))))
    heading = math.radians(90 - exit_angle_deg)  # compass: 0 = north; here as a math angle from east
    ex, ey = points[-1]
    for d in np.arange(10, 1000, 10.0):
        points.append((ex + d * math.cos(heading), ey + d * math.sin(heading)))
    xs, ys = np.array(points).T
    return 37.05 + ys / M_LAT, 114.5 + xs / M_LON


@pytest.mark.parametrize("exit_angle, expected", [(0, []), (-90, ["left"]), (90, ["right"])])
def test_a_roundabout_is_one_cue_for_its_exit(exit_angle, expected):
    lat, lon = _roundabout(exit_angle)
    turns, _ = cues.detect(lat, lon, [slice(0, len(lat))])
    assert [t.kind for t in turns] == expected


def test_the_sheet_merges_turns_and_points_of_interest_with_distances_to_next(organizer):
    lat, lon = _polyline(ROUTE)
    water = _wpt(1020, 500, "补给站", "water")
    far = f'<wpt lat="{37.05 + 1500 / M_LAT:.7f}" lon="{114.5 + 5000 / M_LON:.7f}"><name>远处</name></wpt>'
    version = route_import(owner=organizer, data=_gpx(lat, lon, water + far), filename="r.gpx", publish=True)
    lines = cue_sheet(version=version)
    kinds = [line.cue.kind for line in lines]
    assert kinds == ["start", "right", "water", "left", "slight_right", "sharp_left", "finish"]
    assert lines[2].cue.text == "补给站" and lines[2].km == pytest.approx(1.5, abs=0.03)  # 1 km north + 500 m east
    assert lines[0].to_next_km == pytest.approx(lines[1].km)
    assert lines[-1].to_next_km is None
    assert lines[-1].km == pytest.approx(version.distance_m / 1000, abs=0.02)
    assert "远处" not in [line.cue.text for line in lines]  # 5 km off the route: not on the sheet


def test_organizers_rename_delete_and_add_cues(client, organizer, rider):
    lat, lon = _polyline(ROUTE)
    version = route_import(owner=organizer, data=_gpx(lat, lon), filename="r.gpx", publish=True)
    right = version.cues.get(kind="right")
    cue_rename(version=version, cue_id=right.pk, text="右转进入中兴大街")
    cue_delete(version=version, cue_id=version.cues.get(kind="slight_right").pk)
    added = cue_add(version=version, kind="control", text="检查点 1", distance_km=2.5)
    assert added.lat == pytest.approx(37.05 + 1500 / M_LAT, abs=6e-5)  # 2.5 km: 500 m into the third leg
    assert added.lon == pytest.approx(114.5 + 1000 / M_LON, abs=6e-5)
    assert [c.kind for c in version.cues.all()] == ["start", "right", "left", "control", "sharp_left", "finish"]
    with pytest.raises(ServiceError):
        cue_add(version=version, kind="control", text="", distance_km=99)
    with pytest.raises(ServiceError):
        cue_delete(version=version, cue_id=version.cues.get(kind="start").pk)
    # the page: a rider reads it but cannot change it
    client.force_login(rider)
    page = client.get(f"/routes/{version.route.slug}/cues/", HTTP_ACCEPT_LANGUAGE="zh-hans").getvalue().decode()
    assert "右转进入中兴大街" in page and 'name="action"' not in page
    assert client.post(f"/routes/{version.route.slug}/cues/", {"action": "delete", "cue": right.pk}).status_code == 403
    assert version.cues.filter(pk=right.pk).exists()
    # the organizer's bad input: a clear error, nothing added
    client.force_login(organizer)
    count = version.cues.count()
    response = client.post(f"/routes/{version.route.slug}/cues/?version={version.number}",
                           {"action": "add", "kind": "water", "text": "x", "distance_km": "500"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "between 0 and" in response.getvalue().decode()
    assert version.cues.count() == count
    response = client.post(f"/routes/{version.route.slug}/cues/?version={version.number}",
                           {"action": "add", "kind": "water", "text": "泉水", "distance_km": "0.5"})
    assert response.status_code == 302 and version.cues.filter(text="泉水").exists()


def test_cue_sheet_csv(client, organizer):
    lat, lon = _polyline(ROUTE)
    version = route_import(owner=organizer, data=_gpx(lat, lon), filename="r.gpx", publish=True)
    response = client.get(f"/routes/{version.route.slug}/cues.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 1 + version.cues.count()
    assert rows[1][0] == "1" and rows[1][1] == "0.00" and rows[-1][2] == ""


def _route_with_cues(organizer):
    lat, lon = _polyline(ROUTE)
    water = _wpt(1000, 500, "补给站", "water")
    return route_import(owner=organizer, data=_gpx(lat, lon, water), filename="r.gpx", name="七里河", publish=True)


def test_fit_course_reads_back_with_garmins_decoder(client, organizer):
    version = _route_with_cues(organizer)
    response = client.get(f"/routes/{version.route.slug}/download/fit/")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.ant.fit"
    messages, errors = Decoder(Stream.from_byte_array(bytearray(response.getvalue()))).read()
    assert not errors
    assert messages["file_id_mesgs"][0]["type"] == "course"
    assert messages["course_mesgs"][0]["name"] == "七里河" and messages["course_mesgs"][0]["sport"] == "cycling"
    records = messages["record_mesgs"]
    lat = np.array([r["position_lat"] for r in records]) * 180 / 2**31
    lon = np.array([r["position_long"] for r in records]) * 180 / 2**31
    assert float(geo.step_lengths(lat, lon).sum()) == pytest.approx(version.distance_m, rel=0.005)
    assert records[-1]["distance"] == pytest.approx(version.distance_m, rel=0.005)
    points = messages["course_point_mesgs"]
    sheet = list(version.cues.all())
    assert [p["type"] for p in points] == ["segment_start", "right", "water", "left", "slight_right", "sharp_left",
                                           "segment_end"]
    assert points[2]["name"] == "补给站"
    for point, cue in zip(points, sheet):
        assert point["distance"] == pytest.approx(cue.distance_m, abs=30)


def test_tcx_course_reads_back_with_lxml(client, organizer):
    version = _route_with_cues(organizer)
    response = client.get(f"/routes/{version.route.slug}/download/tcx/")
    assert response.status_code == 200
    root = etree.fromstring(response.getvalue())
    ns = {"t": "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"}
    lat = np.array([float(x) for x in root.xpath("//t:Trackpoint/t:Position/t:LatitudeDegrees/text()", namespaces=ns)])
    lon = np.array([float(x) for x in root.xpath("//t:Trackpoint/t:Position/t:LongitudeDegrees/text()", namespaces=ns)])
    assert float(geo.step_lengths(lat, lon).sum()) == pytest.approx(version.distance_m, rel=0.005)
    kinds = root.xpath("//t:CoursePoint/t:PointType/text()", namespaces=ns)
    assert kinds == ["Generic", "Right", "Water", "Left", "Right", "Left", "Generic"]
    assert root.xpath("//t:CoursePoint/t:Notes/text()", namespaces=ns)[2] == "补给站"
    assert all(len(n) <= 10 for n in root.xpath("//t:CoursePoint/t:Name/text()", namespaces=ns))


def test_gpx_download_carries_cues_as_waypoints(client, organizer):
    version = _route_with_cues(organizer)
    parsed = gpxpy.parse(client.get(f"/routes/{version.route.slug}/download/gpx/",
                                    HTTP_ACCEPT_LANGUAGE="en").getvalue().decode())
    assert parsed.get_track_points_no() == version.points
    cue_points = [w for w in parsed.waypoints if (w.type or "").startswith("cue:")]
    assert [w.type for w in cue_points] == ["cue:start", "cue:right", "cue:left", "cue:slight_right",
                                           "cue:sharp_left", "cue:finish"]
    assert cue_points[1].name == "Turn right" and cue_points[1].symbol == "Right"
    assert any(w.name == "补给站" for w in parsed.waypoints)


def test_a_version_from_before_cue_sheets_gets_one_when_asked(client, organizer):
    version = _route_with_cues(organizer)
    Cue.objects.filter(version=version).delete()
    type(version).objects.filter(pk=version.pk).update(cues_built=False)
    assert client.get(f"/routes/{version.route.slug}/cues/").status_code == 200
    assert version.cues.count() == 7
