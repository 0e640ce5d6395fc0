"""Writes to the route library."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from routes.models import Collection, Route, RouteVersion


@transaction.atomic
def route_version_add(*, route: Route, uploaded_by: User, gpx_bytes: bytes, filename: str) -> RouteVersion:
    """Store a new GPX file as the route's next version; older versions stay readable."""
    Route.objects.select_for_update().get(pk=route.pk)  # serialise version numbering per route
    last = route.versions.aggregate(last=Max("number"))["last"] or 0
    version = RouteVersion(route=route, number=last + 1, uploaded_by=uploaded_by, original_filename=filename)
    version.gpx_file.save(filename, ContentFile(gpx_bytes), save=False)
    version.save()
    return version


@transaction.atomic
def route_create(
    *,
    owner: User,
    slug: str,
    name: str,
    gpx_bytes: bytes,
    filename: str,
    collection: Collection | None = None,
    **fields,
) -> Route:
    route = Route(owner=owner, slug=slug, name=name, collection=collection, **fields)
    route.full_clean()
    route.save()
    route_version_add(route=route, uploaded_by=owner, gpx_bytes=gpx_bytes, filename=filename)
    return route
