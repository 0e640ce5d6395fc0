"""Route library pages: list and search, route page, uploads, downloads."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.services import privacy_zone_set
from core.csv import csv_response
from core.i18n import localized
from core.parse import whole_number
from core.views import shown_on
from routes import downloads
from routes.forms import CueAddForm, PrivacyZoneForm, RideUploadForm, RouteEditForm, RouteUploadForm, VersionUploadForm
from routes.gcj02 import line_to_gcj02, wgs84_to_gcj02
from routes.geo import riding_time_hours
from routes.labels import climb_names, elevation_unreliable
from routes.models import Route, RouteVersion
from routes.permissions import can_upload_routes
from routes.selectors import (
    cue_sheet,
    ride_get,
    ride_line_shown,
    rides_of,
    route_completions,
    route_editable_by,
    route_get,
    route_search,
    route_version_get,
)
from routes.serializers import RouteSearchInput
from routes.services import (
    cue_add,
    cue_delete,
    cue_rename,
    cues_ensure,
    gpx_upload_read,
    ride_delete,
    ride_upload,
    route_import,
    route_update,
)
from routes.svg import profile_svg


def route_list(request: HttpRequest) -> HttpResponse:
    search = RouteSearchInput(data=request.GET)
    valid = search.is_valid()
    routes = route_search(filters=search.to_filters(), user=request.user) if valid else []
    page = Paginator(routes, 24).get_page(request.GET.get("page"))
    return render(request, "routes/route_list.html", {
        "page": page, "routes": page.object_list,
        "errors": {} if valid else {search.fields[name].label if name in search.fields else "": messages
                                    for name, messages in search.errors.items()},
        "query": request.GET, "categories": Route.Category.choices, "difficulties": range(1, 6),
        "can_upload": can_upload_routes(request.user),
    })


def _version_asked(request: HttpRequest, route: Route) -> RouteVersion | None:
    """The version named by ?version=N; 404 when N is not a plain number or no such version."""
    text = request.GET.get("version", "")
    if not text:
        return None
    number = whole_number(text, maximum=100_000)
    return route_version_get(route=route, number=number if number is not None else -1)


def _map_data(version: RouteVersion) -> dict:
    """What the map script draws for a route version."""
    pois = [{"lat": p.lat, "lon": p.lon, "name": p.name, "kind": p.kind, "label": p.get_kind_display()}
            for p in version.pois.all()]
    return _map_payload(version.line, [version.start_lat, version.start_lon],
                        [version.finish_lat, version.finish_lon], pois)


def _map_payload(line: list, start: list | None, finish: list | None, pois: list[dict]) -> dict:
    """What route-map.js draws; converted for GCJ-02 tile layers, never in the database."""
    if settings.MAP_TILE_CRS == "gcj02":
        line = line_to_gcj02(line)
        start = list(wgs84_to_gcj02(*start)) if start else None
        finish = list(wgs84_to_gcj02(*finish)) if finish else None
        for poi in pois:
            poi["lat"], poi["lon"] = wgs84_to_gcj02(poi["lat"], poi["lon"])
    return {"line": line, "start": start, "finish": finish, "pois": pois, "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "labels": {"start": _("Start"), "finish": _("Finish"), "zoom_in": _("Zoom in"),
                       "zoom_out": _("Zoom out")}}


def route_detail(request: HttpRequest, slug: str) -> HttpResponse:
    route = route_get(slug=slug, user=request.user)
    version = _version_asked(request, route) or route.current_version or route.versions.first()
    try:
        speed = min(60.0, max(5.0, float(request.GET.get("speed", 20))))
    except ValueError:
        speed = 20.0
    ready = version is not None and version.status == RouteVersion.Status.READY
    context = {
        "route": route, "version": version, "ready": ready, "speed": speed,
        "versions": route.versions.all(), "editable": route_editable_by(route=route, user=request.user),
        "version_form": VersionUploadForm(),
    }
    if ready:
        context["riding_hours"] = riding_time_hours(version.distance_m, version.elevation_gain_m, speed)
        context["map_data"] = _map_data(version)
        context["unreliable"] = elevation_unreliable(version)
        context["profile_svg"] = mark_safe(profile_svg(  # noqa: S308 - built from numbers and escaped labels
            version.profile, [] if context["unreliable"] else version.climbs,
            title=_("Elevation profile of %(name)s") % {"name": localized(route, "name")}, km_label=_("km"),
            m_label=_("m"),
            climb_names=climb_names()))
        context["pois"] = version.pois.all()
        kinds = {p.kind: p.get_kind_display() for p in context["pois"]}
        context["poi_legend"] = sorted(kinds.items())
        context["completions"] = route_completions(route=route)
    return render(request, "routes/route_detail.html", context)


@login_required
def route_upload(request: HttpRequest) -> HttpResponse:
    if not can_upload_routes(request.user):
        raise PermissionDenied
    form = RouteUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with shown_on(form) as outcome:
            version = route_import(owner=request.user, data=gpx_upload_read(d["gpx"]), filename=d["gpx"].name,
                                   name=d["name"], name_en=d["name_en"], description=d["description"],
                                   category=d["category"], visibility=d["visibility"], publish=d["publish"])
        if outcome.ok:
            return redirect("routes:detail", slug=version.route.slug)
    return render(request, "routes/route_upload.html", {"form": form})


@login_required
def route_version_upload(request: HttpRequest, slug: str) -> HttpResponse:
    route = route_get(slug=slug, user=request.user)
    if not route_editable_by(route=route, user=request.user):
        raise PermissionDenied
    form = VersionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with shown_on(form) as outcome:
            route_import(owner=request.user, route=route, data=gpx_upload_read(form.cleaned_data["gpx"]),
                         filename=form.cleaned_data["gpx"].name)
        if outcome.ok:
            return redirect("routes:detail", slug=route.slug)
    return render(request, "routes/route_upload.html", {"form": form, "route": route})


@login_required
def route_edit(request: HttpRequest, slug: str) -> HttpResponse:
    route = route_get(slug=slug, user=request.user)
    if not route_editable_by(route=route, user=request.user):
        raise PermissionDenied
    form = RouteEditForm(request.POST or None, instance=route)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with shown_on(form) as outcome:
            route_update(route=route, tags=list(data.pop("tags")), **data)
        if outcome.ok:
            return redirect("routes:detail", slug=route.slug)
    return render(request, "routes/route_edit.html", {"form": form, "route": route})


def route_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    route = route_get(slug=slug, user=request.user)
    version = _ready_version(request, route)
    cues_ensure(version=version)  # the GPX and the courses carry the cue sheet
    body, content_type, filename = downloads.render(version=version, fmt=fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    response["X-Content-Type-Options"] = "nosniff"
    return response




def _ready_version(request: HttpRequest, route: Route) -> RouteVersion:
    version = _version_asked(request, route) or route.current_version
    if version is None or version.status != RouteVersion.Status.READY:
        version = route_version_get(route=route, number=-1)  # 404
    return version


def route_cues(request: HttpRequest, slug: str) -> HttpResponse:
    """The cue sheet: a printable page (A4 and phone); the organizer renames, deletes and adds lines."""
    route = route_get(slug=slug, user=request.user)
    version = _ready_version(request, route)
    editable = route_editable_by(route=route, user=request.user)
    add_form = CueAddForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        action = request.POST.get("action")
        cue_id = whole_number(request.POST.get("cue", "")) or 0
        if action == "add":
            if add_form.is_valid():
                with shown_on(add_form) as outcome:
                    cue_add(version=version, **add_form.cleaned_data)
                if outcome.ok:
                    return redirect(f"{request.path}?version={version.number}")
        else:
            with shown_on(request) as outcome:
                if action == "rename":
                    cue_rename(version=version, cue_id=cue_id, text=request.POST.get("text", ""))
                elif action == "delete":
                    cue_delete(version=version, cue_id=cue_id)
            return redirect(f"{request.path}?version={version.number}")
    cues_ensure(version=version)
    return render(request, "routes/route_cues.html", {
        "route": route, "version": version, "lines": cue_sheet(version=version), "editable": editable,
        "add_form": add_form,
    })


def route_cues_csv(request: HttpRequest, slug: str) -> HttpResponse:
    route = route_get(slug=slug, user=request.user)
    version = _ready_version(request, route)
    cues_ensure(version=version)
    rows = [[line.number, f"{line.km:.2f}", "" if line.to_next_km is None else f"{line.to_next_km:.2f}",
             line.cue.get_kind_display(), line.cue.text, f"{line.cue.lat:.6f}", f"{line.cue.lon:.6f}"]
            for line in cue_sheet(version=version)]
    return csv_response(f"route-{route.pk}-v{version.number}-cues",
                        ["#", _("km"), _("to next (km)"), _("kind"), _("text"), _("latitude"), _("longitude")], rows)


@login_required
def ride_list(request: HttpRequest) -> HttpResponse:
    """A rider's rides: upload one (matched to the routes it covers), and the privacy zone."""
    upload = RideUploadForm(request.POST if request.POST.get("action") == "upload" else None,
                            request.FILES if request.POST.get("action") == "upload" else None)
    user = request.user
    zone = PrivacyZoneForm(request.POST if request.POST.get("action") == "zone" else None, initial={
        "radius_m": user.privacy_zone_m, "lat": user.privacy_zone_lat, "lon": user.privacy_zone_lon})
    if request.method == "POST":
        if request.POST.get("action") == "upload" and upload.is_valid():
            with shown_on(upload, field="file") as outcome:
                ride = ride_upload(rider=user, data=gpx_upload_read(upload.cleaned_data["file"]),
                                   filename=upload.cleaned_data["file"].name)
            if outcome.ok:
                return redirect("routes:ride", pk=ride.pk)
        elif request.POST.get("action") == "zone" and zone.is_valid():
            with shown_on(zone, field="lat") as outcome:
                privacy_zone_set(rider=user, **zone.cleaned_data)
            if outcome.ok:
                messages.success(request, _("Your privacy zone is saved."))
                return redirect("routes:rides")
    return render(request, "routes/ride_list.html", {"upload": upload, "zone": zone, "rides": rides_of(rider=user)})


@login_required
def ride_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ride = ride_get(pk=pk, rider=request.user)
    if request.method == "POST" and request.POST.get("action") == "delete":
        with shown_on(request):
            ride_delete(ride=ride, rider=request.user)
        return redirect("routes:rides")
    line = ride_line_shown(ride=ride)
    map_data = _map_payload(line, line[0][0] if line else None, line[-1][-1] if line else None, [])
    return render(request, "routes/ride_detail.html", {
        "ride": ride, "map_data": map_data,
        "completions": sorted(ride.completions.all(), key=lambda c: -c.coverage)})
