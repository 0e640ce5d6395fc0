"""Reads of routes."""

from django.db.models import QuerySet

from routes.models import Route


def routes_published() -> QuerySet[Route]:
    """Published public routes, the ones anybody may read."""
    return Route.objects.filter(status=Route.Status.PUBLISHED, visibility=Route.Visibility.PUBLIC).select_related(
        "collection"
    )
