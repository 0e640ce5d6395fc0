"""Route library pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from routes.selectors import routes_published


def route_list(request: HttpRequest) -> HttpResponse:
    return render(request, "routes/route_list.html", {"routes": routes_published()})


def route_detail(request: HttpRequest, slug: str) -> HttpResponse:
    route = get_object_or_404(routes_published(), slug=slug)
    return render(request, "routes/route_detail.html", {"route": route})
