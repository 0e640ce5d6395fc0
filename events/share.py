"""An event's share image (issue 30): 1200x630 PNG with its title, date, place, categories and the
first route's elevation profile, for the Open Graph tags WeChat, Weibo and other sites read when
the event's link is shared. Drawn with Pillow in the CJK font the certificates use."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from core.i18n import localized
from core.money import yuan
from core.times import when
from events.models import Event

WIDTH, HEIGHT = 1200, 630
INK, MUTED, BACKGROUND, ACCENT = (20, 40, 60), (80, 95, 110), (244, 248, 246), (23, 120, 82)


@cache
def _font_path() -> str | None:
    return next((path for path in settings.CERTIFICATE_FONTS if Path(path).exists()), None)


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> Font:
    path = _font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> tuple[str, Font]:
    """The text at the largest size up to `size` that fits `width` (cut with … below 28 px)."""
    while size > 28 and draw.textlength(text, font=_font(size)) > width:
        size -= 4
    font = _font(size)
    while draw.textlength(text, font=font) > width and len(text) > 1:
        text = text[:-2] + "…"
    return text, font


def share_png(event: Event, categories: list, profile: list[list[float]], fee_fen: int | None = None) -> bytes:
    """The image's PNG bytes (categories: the event's, with their route versions; fee_fen: the
    lowest entry fee in force), in the active language."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
    title, font = _fit(draw, localized(event, "title"), 64, WIDTH - 120)
    draw.text((60, 60), title, font=font, fill=INK)
    place = event.meeting_point or event.get_county_display()
    line = " · ".join(part for part in (when(event.starts_at, event, "Y-m-d H:i"), place) if part)
    text, font = _fit(draw, line, 38, WIDTH - 120)
    draw.text((60, 160), text, font=font, fill=MUTED)
    names = []
    for category in categories:
        version, name = category.route_version, localized(category, "name")
        # the distance, unless the name says it already ("英谈线 43 公里")
        km = f" {version.distance_m / 1000:.0f} km" if version and version.distance_m and not any(
            ch.isdigit() for ch in name) else ""
        names.append(f"{name}{km}")
    if names:
        text, font = _fit(draw, " / ".join(names), 34, WIDTH - 120)
        draw.text((60, 220), text, font=font, fill=INK)
    if len(profile) >= 2:
        _profile(draw, profile, (60, 290, WIDTH - 60, HEIGHT - 110))
    facts = [_("Registration closes %(at)s") % {"at": when(event.registration_closes_at, event, "m-d H:i")}]
    if fee_fen:
        facts.insert(0, _("Entry from ¥%(fee)s") % {"fee": yuan(fee_fen)})
    draw.rectangle((0, HEIGHT - 90, WIDTH, HEIGHT), fill=ACCENT)
    text, font = _fit(draw, " · ".join(str(f) for f in facts), 34, WIDTH - 460)
    draw.text((60, HEIGHT - 66), text, font=font, fill=(255, 255, 255))
    brand = str(_("Xingtai Cycling"))
    font = _font(34)
    draw.text((WIDTH - 60 - draw.textlength(brand, font=font), HEIGHT - 66), brand, font=font, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _profile(draw: ImageDraw.ImageDraw, profile: list[list[float]], box: tuple[int, int, int, int]) -> None:
    """The elevation profile filled under its line, scaled into `box`."""
    left, top, right, bottom = box
    km = [p[0] for p in profile]
    metres = [p[1] for p in profile]
    span_km = (km[-1] - km[0]) or 1
    low, high = min(metres), max(metres)
    span_m = max(high - low, 100)
    points = [(left + (k - km[0]) / span_km * (right - left), bottom - (m - low) / span_m * (bottom - top))
              for k, m in zip(km, metres, strict=True)]
    draw.polygon([(left, bottom), *points, (right, bottom)], fill=(200, 228, 214))
    draw.line(points, fill=ACCENT, width=4)
