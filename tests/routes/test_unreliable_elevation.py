"""Issue 11: a route whose heights cannot be right (the corpus's MTK logger file: a 145.6% steepest
100 m, an HC climb at 36.5%, -672 m) says so plainly instead of printing impossible grades; the
statistics themselves are the routes issue's."""

from pathlib import Path

from routes.services import route_import
from tests.helpers import make_gpx

MTK = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gpx" / "GPSBabel__gpsbabel"
       / "mtk_logger_m241_multiple_tracks.gpx")


def test_the_mtk_logger_route_says_its_heights_are_unreliable(client, organizer):
    version = route_import(owner=organizer, data=MTK.read_bytes(), filename=MTK.name, publish=True)
    page = client.get(f"/routes/{version.route.slug}/").content.decode()
    assert 'id="elevation-unreliable"' in page
    assert f"{version.max_gradient:.1f}%" not in page and "<h2>爬坡</h2>" not in page


def test_a_plain_route_shows_its_grades(client, organizer):
    version = route_import(owner=organizer, data=make_gpx(climb_m=150), filename="ok.gpx", publish=True)
    page = client.get(f"/routes/{version.route.slug}/").content.decode()
    assert 'id="elevation-unreliable"' not in page and f"{version.max_gradient:.1f}%" in page
