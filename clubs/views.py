"""Club pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clubs.selectors import club_get, clubs_public


def club_list(request: HttpRequest) -> HttpResponse:
    return render(request, "clubs/club_list.html", {"clubs": clubs_public()})


def club_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "clubs/club_detail.html", {"club": club_get(slug=slug)})
