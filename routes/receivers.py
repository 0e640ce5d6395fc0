"""routes answering other apps' questions."""

from django.dispatch import receiver
from django.template.loader import render_to_string

from accounts.signals import rider_page_sections
from routes.selectors import rider_completions


@receiver(rider_page_sections, dispatch_uid="routes.rider_completions")
def _rider_completions(sender, rider, viewer, **kwargs) -> str | None:
    """Completed routes and collection badges; public only for riders who show their name."""
    if not (rider.show_name_publicly or (viewer.is_authenticated and viewer.pk == rider.pk)):
        return None
    routes, badges = rider_completions(rider=rider)
    if not routes:
        return None
    return render_to_string("routes/_rider_completions.html", {"routes": routes, "badges": badges})
