"""Issue 23 (part): a few hundred bytes may describe a line of a quarter of a million km; the length
budget refuses it right after parsing, in milliseconds and a few MB, with a reason in words."""

import time
import tracemalloc

import pytest

from core.errors import ServiceError
from routes import formats
from routes.gpx import GpxError


def _zigzag(points: int = 21) -> bytes:
    far = [("36.8", "113.8"), ("-36.8", "-66.2")]  # Xingtai and its antipode's neighbourhood
    body = "".join(f'<trkpt lat="{far[i % 2][0]}" lon="{far[i % 2][1]}"/>' for i in range(points))
    return f'<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{body}</trkseg></trk></gpx>'.encode()


def test_a_zigzag_around_the_earth_is_refused_within_the_budget(settings, client):
    data = _zigzag()
    assert len(data) < 1500
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(GpxError) as refused:
        formats.parse(data, max_bytes=10_000_000, max_points=200_000, max_km=settings.ROUTE_MAX_KM)
    took = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.code == "too_long" and took < 2 and peak < 50_000_000
    # negative control: without the budget the same bytes parse into a 200,000+ km line
    assert formats.line_km(formats.parse(data, max_bytes=10_000_000, max_points=200_000)) > 200_000


def test_the_refusal_reaches_a_rider_in_words(rider):
    from routes.services.files import file_parse

    with pytest.raises(ServiceError) as refused:
        file_parse(_zigzag())
    assert "5,000" in refused.value.messages[0] or "5,000" in str(refused.value)


def test_an_ordinary_route_is_well_within_the_budget():
    from tests.helpers import make_gpx

    data = make_gpx(points=200)
    parsed = formats.parse(data, max_bytes=10_000_000, max_points=200_000, max_km=5_000)
    assert 0 < formats.line_km(parsed) < 5_000


@pytest.mark.django_db
def test_stored_file_names_use_our_own_extension(organizer, settings, tmp_path):
    import gzip

    from routes.services import route_import
    from tests.helpers import make_gpx

    settings.MEDIA_ROOT = tmp_path
    version = route_import(owner=organizer, data=make_gpx(), filename="线路-evilgpx.exe")  # the new version
    assert version.gpx_file.name.endswith(".gpx") and ".exe" not in version.gpx_file.name
    assert version.original_filename == "线路-evilgpx.exe"  # shown to the owner, never used as a path
    packed = route_import(owner=organizer, data=gzip.compress(make_gpx(name="压缩")), filename="x.tcx")
    assert packed.gpx_file.name.endswith(".gpx.gz")
