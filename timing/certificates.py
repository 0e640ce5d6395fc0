"""Finisher's certificates (issue 29): one A4 landscape page a finisher, drawn by reportlab with a
Chinese font embedded (a subset of settings.CERTIFICATE_FONT: WenQuanYi Micro Hei by default, TrueType
outlines, which reportlab can embed), with the name, bib, category, time, rankings, the route's
distance and climbing, and a QR code that opens the certificate's verification page on our site.
The QR carries a signed token of the registration and its time: a changed result no longer verifies."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

SALT = "timing.certificate"


class NoFont(Exception):
    """No TrueType Chinese font is installed where CERTIFICATE_FONT says."""


@dataclass(frozen=True)
class Certificate:
    event: str
    day: str  # the event's date as shown
    name: str
    bib: int | None
    category: str
    time: str  # H:MM:SS, chip time
    gun_time: str
    rank: int | None
    rank_gender: int | None
    gender: str
    rank_age: int | None
    age_group: str
    distance_km: float | None
    climb_m: float | None
    verify_url: str


def token_for(registration_id: int, seconds: int) -> str:
    return signing.dumps([registration_id, seconds], salt=SALT, compress=True)


def token_read(token: str) -> tuple[int, int] | None:
    try:
        registration_id, seconds = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(registration_id), int(seconds)


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415 (heavy: loaded when a certificate is drawn)
    from reportlab.pdfbase.ttfonts import TTFont  # noqa: PLC0415

    for candidate in settings.CERTIFICATE_FONTS:
        path = Path(candidate)
        if path.is_file():
            pdfmetrics.registerFont(TTFont("CJK", str(path), subfontIndex=0))
            return "CJK"
    raise NoFont(", ".join(settings.CERTIFICATE_FONTS))


def pdf(certificates: list[Certificate]) -> bytes:
    """One page a certificate, in one PDF."""
    from reportlab.graphics import renderPDF  # noqa: PLC0415
    from reportlab.graphics.barcode.qr import QrCodeWidget  # noqa: PLC0415
    from reportlab.graphics.shapes import Drawing  # noqa: PLC0415
    from reportlab.lib.colors import HexColor  # noqa: PLC0415
    from reportlab.lib.pagesizes import A4, landscape  # noqa: PLC0415
    from reportlab.pdfgen.canvas import Canvas  # noqa: PLC0415

    font = _font()
    out = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(_("Finisher's certificate"))
    canvas.setAuthor(settings.SITE_NAME if hasattr(settings, "SITE_NAME") else "")
    green, grey = HexColor("#0b6e4f"), HexColor("#475569")
    for cert in certificates:
        canvas.setStrokeColor(green)
        canvas.setLineWidth(6)
        canvas.rect(24, 24, width - 48, height - 48)
        canvas.setLineWidth(1)
        canvas.rect(34, 34, width - 68, height - 68)
        canvas.setFillColor(green)
        canvas.setFont(font, 34)
        canvas.drawCentredString(width / 2, height - 100, _("Finisher's certificate"))
        canvas.setFillColor(grey)
        canvas.setFont(font, 16)
        canvas.drawCentredString(width / 2, height - 132, f"{cert.event} · {cert.day}")
        canvas.setFillColor(HexColor("#0f172a"))
        canvas.setFont(font, 40)
        canvas.drawCentredString(width / 2, height - 205, cert.name)
        canvas.setFont(font, 16)
        canvas.drawCentredString(width / 2, height - 238, _("Bib %(bib)s · %(category)s")
                                 % {"bib": cert.bib or "-", "category": cert.category})
        canvas.setFont(font, 48)
        canvas.setFillColor(green)
        canvas.drawCentredString(width / 2, height - 310, cert.time)
        canvas.setFillColor(grey)
        canvas.setFont(font, 13)
        canvas.drawCentredString(width / 2, height - 334, _("chip time; gun time %(gun)s") % {"gun": cert.gun_time})
        lines = []
        if cert.rank:
            lines.append(_("Place %(rank)s in %(category)s") % {"rank": cert.rank, "category": cert.category})
        if cert.rank_gender:
            lines.append(_("%(rank)s among %(gender)s") % {"rank": cert.rank_gender, "gender": cert.gender})
        if cert.rank_age:
            lines.append(_("%(rank)s in age group %(group)s") % {"rank": cert.rank_age, "group": cert.age_group})
        canvas.setFillColor(HexColor("#0f172a"))
        canvas.setFont(font, 17)
        canvas.drawCentredString(width / 2, height - 378, " · ".join(lines))
        if cert.distance_km is not None:
            route = _("%(km).1f km") % {"km": cert.distance_km}
            if cert.climb_m is not None:
                route += " · " + _("%(m)s m of climbing") % {"m": f"{cert.climb_m:,.0f}"}
            canvas.setFont(font, 15)
            canvas.setFillColor(grey)
            canvas.drawCentredString(width / 2, height - 410, route)
        qr = QrCodeWidget(cert.verify_url, barLevel="M")
        x0, y0, x1, y1 = qr.getBounds()
        size = 96
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(qr)
        renderPDF.draw(drawing, canvas, width - 56 - size, 52)
        canvas.setFont(font, 9)
        canvas.drawRightString(width - 56, 44, _("Scan to verify"))
        canvas.showPage()
    canvas.save()
    return out.getvalue()
