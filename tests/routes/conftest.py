"""Fixtures for the route tests: organizers and small generated GPX files."""

import math

import pytest

from routes.models import Route
from routes.services import route_import


def make_gpx(points: int = 200, *, lat0: float = 37.05, lon0: float = 114.5, climb_m: float = 120.0,
             with_ele: bool = True, waypoints: str = "", name: str = "测试线路") -> bytes:
    rows = []
    for i in range(points):
        lat = lat0 + i * 0.0002
        lon = lon0 + 0.001 * math.sin(i / 15)
        ele = f"<ele>{100 + climb_m * i / points:.1f}</ele>" if with_ele else ""
        rows.append(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}">{ele}</trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<metadata><name>{name}</name></metadata>{waypoints}"
        f"<trk><trkseg>{''.join(rows)}</trkseg></trk></gpx>"
    ).encode()


@pytest.fixture
def published_route(organizer):
    version = route_import(owner=organizer, data=make_gpx(), filename="test.gpx", name="公开线路", name_en="Public",
                           publish=True)
    return version.route


@pytest.fixture
def make_route(organizer):
    def _make(*, owner=None, status=Route.Status.PUBLISHED, visibility=Route.Visibility.PUBLIC, **kwargs):
        data = kwargs.pop("data", None) or make_gpx(**kwargs.pop("gpx", {}))
        version = route_import(owner=owner or organizer, data=data, filename="r.gpx", status=status,
                               visibility=visibility, name=kwargs.pop("name", "线路"), **kwargs)
        return version.route
    return _make
