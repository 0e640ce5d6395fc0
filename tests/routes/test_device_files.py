"""Issue 15: FIT and TCX files through the one ingest door. Every corpus FIT/TCX file either
imports with the points and distance of an independent reader (fitdecode for FIT, python-tcxparser
for TCX: same count, distance within 0.1% of the WGS-84 geodesic over those points) or is refused
for a stated reason, quickly, storing nothing."""

import gzip
import io
import itertools
import time
import warnings
from pathlib import Path

import fitdecode
import pytest
import tcxparser
from geographiclib.geodesic import Geodesic
from lxml import etree

from core.errors import ServiceError
from routes import fit, formats, geo
from routes.gpx import GpxError
from routes.models import Route, RouteVersion
from routes.services import route_import

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gpx"
FIT_FILES = sorted(CORPUS.rglob("*.fit"))
TCX_FILES = sorted(CORPUS.rglob("*.tcx"))
# why each broken corpus file is refused (SOURCES.md names them fit-malformed / tcx-malformed)
REFUSALS = {
    "GPSBabel__gpsbabel/lezyne_super_gps-garmin_fit-sample-bad-endian.fit": "fit_crc",
    "dtcooper__python-fitparse/activity-filecrc.fit": "fit_crc",
    "dtcooper__python-fitparse/activity-settings-corruptheader.fit": "fit_corrupt",
    "dtcooper__python-fitparse/activity-unexpected-eof.fit": "fit_truncated",
    "dtcooper__python-fitparse/nick.fit": "fit_crc",
    "dtcooper__python-fitparse/strava-android-app-201.10-b1218918.fit": "fit_truncated",
    "dtcooper__python-fitparse/sample-activity-indoor-trainer.fit": "no_positions",  # no GPS at all
    "placemark__togeojson/bad.tcx": "bad_coordinate",  # LatitudeDegrees "no"
}
TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
LIMITS = {"max_bytes": 20_000_000, "max_points": 200_000, "max_fit_bytes": 8_000_000}


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _geodesic(points: list[tuple[float, float]]) -> float:
    """Sum of Karney geodesics, a new line where a step is longer than fit.SPLIT_GAP_M (as ours)."""
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        step = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]
        if step <= fit.SPLIT_GAP_M:
            total += step
    return total


def _fitdecode_points(raw: bytes) -> list[tuple[float, float]]:
    points = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(io.BytesIO(raw)) as reader:
            for frame in reader:
                if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record":
                    lat = frame.get_value("position_lat", fallback=None)
                    lon = frame.get_value("position_long", fallback=None)
                    if lat is not None and lon is not None:
                        points.append((lat * fit.SEMICIRCLE, lon * fit.SEMICIRCLE))
    return points


def _tcx_points(path: Path) -> list[tuple[float, float]]:
    """Positions by lxml's XPath, as python-tcxparser's position_values() reads them (that class
    itself only opens activities, not courses)."""
    root = etree.parse(str(path)).getroot()
    found = root.xpath("//tcx:Trackpoint/tcx:Position", namespaces={"tcx": TCX_NS})
    points = [(float(p.findtext(f"{{{TCX_NS}}}LatitudeDegrees")), float(p.findtext(f"{{{TCX_NS}}}LongitudeDegrees")))
              for p in found]
    return [p for p in points if p != (0.0, 0.0)]


def test_corpus_has_device_files():
    assert len(FIT_FILES) >= 16 and len(TCX_FILES) >= 10, CORPUS


@pytest.mark.parametrize("path", FIT_FILES + TCX_FILES, ids=[_name(p) for p in FIT_FILES + TCX_FILES])
def test_device_file_matches_an_independent_reader_or_is_refused_for_a_reason(path):
    raw = path.read_bytes()
    started = time.perf_counter()
    try:
        parsed = formats.parse(raw, **LIMITS)
    except GpxError as error:
        assert REFUSALS.get(_name(path)) == error.code, (_name(path), error.code)
        assert time.perf_counter() - started < 2.0
        return
    assert _name(path) not in REFUSALS
    reference = _fitdecode_points(raw) if path.suffix == ".fit" else _tcx_points(path)
    assert parsed.kind == path.suffix[1:]
    assert parsed.points == len(reference)
    assert (parsed.lat[0], parsed.lon[0]) == pytest.approx(reference[0], abs=1e-7)
    assert (parsed.lat[-1], parsed.lon[-1]) == pytest.approx(reference[-1], abs=1e-7)
    stats = geo.compute(parsed.lat, parsed.lon, parsed.ele, parsed.segments())
    truth = _geodesic(reference)
    assert stats.distance_m == pytest.approx(truth, rel=1e-3, abs=0.5)


def test_tcx_matches_python_tcxparser_oracle_values():
    """EXPECTED.md: python-tcxparser's own assertions on test.tcx."""
    reference = tcxparser.TCXParser(str(CORPUS / "vkurup__python-tcxparser" / "test.tcx"))
    assert len(reference.position_values()) == 383
    parsed = formats.parse((CORPUS / "vkurup__python-tcxparser" / "test.tcx").read_bytes(), **LIMITS)
    assert (parsed.lat[0], parsed.lon[0]) == pytest.approx((35.951880198, -79.0931872185))
    assert (parsed.lat[-1], parsed.lon[-1]) == pytest.approx((35.9519544616, -79.0930143837))
    assert parsed.ele.max() == pytest.approx(215.95324707) and parsed.ele.min() == pytest.approx(157.793579102)
    assert parsed.points == 383


def test_fit_and_its_gpx_conversion_agree():
    """GPSBabel converted the Wahoo ride to GPX: same points, same distance."""
    folder = CORPUS / "GPSBabel__gpsbabel"
    from_fit = formats.parse((folder / "wahoo-element-bolt.fit").read_bytes(), **LIMITS)
    from_gpx = formats.parse((folder / "wahoo-element-bolt.gpx").read_bytes(), **LIMITS)
    assert from_fit.points == from_gpx.points == 1101
    fit_stats = geo.compute(from_fit.lat, from_fit.lon, from_fit.ele, from_fit.segments())
    gpx_length = sum(float(geo.step_lengths(from_gpx.lat[sl], from_gpx.lon[sl]).sum()) for sl in from_gpx.segments())
    assert fit_stats.distance_m == pytest.approx(gpx_length, rel=0.01)


def test_a_tcx_course_keeps_its_name_and_is_a_route():
    parsed = formats.parse((CORPUS / "placemark__togeojson" / "tcx-courses.tcx").read_bytes(), **LIMITS)
    assert parsed.source == "route" and parsed.name == "Test TCX Route" and parsed.points == 30


def test_gzipped_fit_is_read():
    raw = (CORPUS / "GPSBabel__gpsbabel" / "garmin-edge-800.fit").read_bytes()
    assert formats.parse(gzip.compress(raw), **LIMITS).points == formats.parse(raw, **LIMITS).points


def test_a_fit_file_cut_anywhere_or_with_a_flipped_byte_is_refused():
    raw = (CORPUS / "GPSBabel__gpsbabel" / "wahoo-element-bolt.fit").read_bytes()
    for cut in (13, 200, len(raw) // 2, len(raw) - 1):
        with pytest.raises(GpxError) as error:
            formats.parse(raw[:cut], **LIMITS)
        assert error.value.code == "fit_truncated"
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0x40
    with pytest.raises(GpxError) as error:
        formats.parse(bytes(flipped), **LIMITS)
    assert error.value.code == "fit_crc"


def test_too_many_points_in_a_fit_file_is_refused():
    raw = (CORPUS / "GPSBabel__gpsbabel" / "wahoo-element-bolt.fit").read_bytes()
    with pytest.raises(GpxError) as error:
        formats.parse(raw, max_bytes=20_000_000, max_points=1000)
    assert error.value.code == "too_many_points" and error.value.params == {"limit": 1000}


def test_a_hostile_tcx_is_refused_like_a_hostile_gpx():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
            b'&lol2;</TrainingCenterDatabase>')
    with pytest.raises(GpxError) as error:
        formats.parse(bomb, **LIMITS)
    assert error.value.code == "doctype"


def test_a_fit_route_is_imported_and_a_broken_one_stores_nothing(organizer, settings):
    folder = CORPUS / "GPSBabel__gpsbabel"
    version = route_import(owner=organizer, data=(folder / "garmin-edge-800.fit").read_bytes(),
                           filename="garmin-edge-800.fit", name="Edge 800", publish=True)
    assert version.status == RouteVersion.Status.READY and version.file_format == "fit"
    assert version.points == 1286 and version.distance_m > 20_000
    routes, versions = Route.objects.count(), RouteVersion.objects.count()
    broken = (CORPUS / "dtcooper__python-fitparse" / "activity-filecrc.fit").read_bytes()
    with pytest.raises(ServiceError) as error:
        route_import(owner=organizer, data=broken, filename="x.fit", name="broken")
    assert error.value.error_code == "fit_crc"
    assert (Route.objects.count(), RouteVersion.objects.count()) == (routes, versions)


def test_the_upload_page_takes_a_tcx_file_and_shows_refusals_in_chinese(client, organizer):
    from django.core.files.uploadedfile import SimpleUploadedFile
    client.force_login(organizer)
    path = CORPUS / "placemark__togeojson" / "tcx-courses.tcx"
    response = client.post("/routes/new/", {
        "name": "课程", "category": "road", "visibility": "public", "publish": "on",
        "gpx": SimpleUploadedFile("course.tcx", path.read_bytes())})
    assert response.status_code == 302
    route = Route.objects.get(name="课程")
    assert route.current_version.file_format == "tcx" and route.current_version.points == 30
    indoor = (CORPUS / "dtcooper__python-fitparse" / "sample-activity-indoor-trainer.fit").read_bytes()
    response = client.post("/routes/new/", {
        "name": "室内", "category": "road", "visibility": "public",
        "gpx": SimpleUploadedFile("indoor.fit", indoor)}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "GPS" in response.content.decode()
    assert not Route.objects.filter(name="室内").exists()


def test_the_root_element_decides_the_format_not_text_in_the_header():
    """Issue 23: a GPX converted from TCX declares the TCX namespace in its root element's
    attributes; it is a GPX (its root is <gpx>) and imports as one. A TCX behind a comment is a TCX."""
    from routes import formats

    converted = (CORPUS / "tkrajina__gpxpy" / "track-with-empty-segment.gpx").read_bytes()
    assert b"TrainingCenterDatabase" in converted[:2048] and formats.detect(converted) == "gpx"
    parsed = formats.parse(converted, max_bytes=10_000_000, max_points=200_000)
    assert parsed.kind == "gpx" and parsed.points > 0
    tcx_text = TCX_FILES[0].read_bytes()
    assert formats.detect(tcx_text) == "tcx"
    commented = b'<?xml version="1.0"?>\n<!-- exported -->\n<!DOCTYPE x>\n<tc:TrainingCenterDatabase xmlns:tc="x"/>'
    assert formats.detect(commented) == "tcx"
    assert formats.detect(b'<?xml version="1.0"?><gpx><!-- TrainingCenterDatabase --></gpx>') == "gpx"
