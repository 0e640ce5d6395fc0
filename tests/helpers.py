"""Test helpers shared by several apps."""

import math


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


def join(*, club, user):
    """The rider joins by invitation: an admin invites, the rider accepts (the only way in for
    invite-only clubs). Returns the active membership."""
    from clubs.services import membership_invitation_answer, membership_invite

    membership_invite(club=club, user=user)
    return membership_invitation_answer(club=club, user=user, accept=True)
