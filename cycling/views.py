"""Site-wide pages: home and the health check."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found
from django.views.defaults import server_error as defaults_server_error
from django.views.static import serve

from clubs.selectors import clubs_public
from cycling.health import check_database, check_redis, heartbeat_age
from events.selectors import EventFilters, events_list
from routes.selectors import routes_published


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 while this process and the database answer. Redis is not asked: the site
    serves through a Redis outage (core.cache, core.queue), so it must stay in the balancer."""
    alive = check_database()
    return JsonResponse({"status": "ok" if alive else "unavailable"}, status=200 if alive else 503)


def _word(ok: bool | None) -> str:
    return {True: "ok", False: "unavailable", None: "not configured"}[ok]


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness details: 503 when the database or a configured Redis is down; the heartbeat's
    age tells whether a worker runs (tasks inline without Redis: no worker needed)."""
    database, redis_ok = check_database(), check_redis()
    ready = database and redis_ok is not False
    age = heartbeat_age() if redis_ok else None
    body = {"status": "ok" if ready else "unavailable",
            "checks": {"database": _word(database), "redis": _word(redis_ok), "worker_heartbeat_age_s": age}}
    return JsonResponse(body, status=200 if ready else 503)


def home(request: HttpRequest) -> HttpResponse:
    context = {"routes": routes_published()[:6], "clubs": clubs_public()[:6],
               "events": events_list(filters=EventFilters(), user=request.user)[:6]}
    return render(request, "home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("favicon.svg"), permanent=True)


def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file, always as a download: never rendered as HTML, never sniffed. Private files
    (riders' documents) are never served here: only through their own view, to whom may read them."""
    if path.startswith("private/"):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for a URL nothing answers: the API's JSON error shape under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Something went wrong on our side; please try again."),
                             "code": "server_error"}, status=500)
    return defaults_server_error(request)
