"""Top-level URLs."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cycling import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus, with METRICS_TOKEN only
    path("favicon.ico", views.favicon),  # for clients that ask without reading the page's <link rel=icon>
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("routes/", include("routes.urls")),
    path("clubs/", include("clubs.urls")),
    path("events/", include("timing.urls")),  # an event's timing pages (before events' own)
    path("events/", include("events.urls")),
    path("insights/", include("industry.urls")),
    path("payments/", include("payments.urls")),
    path("api/v1/", include("cycling.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its start-up script as a file: no inline script under the CSP. Swagger
    # UI sets style attributes, so that page alone allows inline style (never script).
    path("api/docs/", csp_update({"style-src": [UNSAFE_INLINE]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]

if settings.SERVE_MEDIA:  # development; in production the web server applies the same headers
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", views.media))

handler404 = "cycling.views.not_found"
handler500 = "cycling.views.server_error"
handler429 = "core.ratelimits.too_many_requests"  # allauth's views answer their limits through this
