"""Event template helpers."""

from django import template

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """3725 -> "1:02:05"."""
    if seconds is None:
        return ""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@register.simple_tag
def event_summary(event) -> dict:
    """The lowest fee and the seats left over the event's categories (prefetched with counts)."""
    categories = list(event.categories.all())
    fees = [c.fee_fen for c in categories]
    seats = sum(max(0, c.capacity - getattr(c, "confirmed", c.confirmed_count)) for c in categories)
    return {"fee": min(fees) if fees else 0, "paid": any(fees), "seats": seats,
            "waitlist": any(c.waitlist_enabled for c in categories)}


@register.simple_tag
def seat_money(registration) -> dict:
    """What a seat costs and what is still to pay for it (events.selectors.seat_due)."""
    from events.selectors import seat_due  # noqa: PLC0415  (template tags load before the apps' models)

    return seat_due(registration)
