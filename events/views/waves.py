"""Start waves on a category's page (issue 28): add or remove a wave, seed the riders, move one
(services/waves.py does the work); each a POST action of events.views.organizer.category_settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.views import form_errors_flashed, shown_on
from events import services
from events.forms import WaveForm, WaveMoveForm, WaveSeedForm
from events.models import Category
from events.selectors.raceday import confirmed_by_bib, wave_of
from events.views.common import posted_id


def _back(category: Category) -> HttpResponse:
    return redirect(reverse("events:category", args=[category.event.slug, category.pk]) + "#waves")


def wave_add(request: HttpRequest, category: Category) -> HttpResponse:
    form = WaveForm(request.POST)
    if not form.is_valid():
        form_errors_flashed(request, form)
        return _back(category)
    with shown_on(request) as outcome:
        wave = services.wave_add(category=category, **form.cleaned_data)
    if outcome.ok:
        messages.success(request, _("Wave %(name)s added.") % {"name": wave.name})
    return _back(category)


def wave_remove(request: HttpRequest, category: Category) -> HttpResponse:
    wave = wave_of(category=category, wave_id=posted_id(request, "wave"))
    if wave is not None:
        services.wave_remove(wave=wave)
        messages.success(request, _("Wave %(name)s removed: its riders have no wave until seeded or moved.")
                         % {"name": wave.name})
    return _back(category)


def waves_seed(request: HttpRequest, category: Category) -> HttpResponse:
    form = WaveSeedForm(request.POST, event=category.event)
    if not form.is_valid():
        form_errors_flashed(request, form)
        return _back(category)
    with shown_on(request) as outcome:
        seeded = services.waves_seed(category=category, by=form.cleaned_data["by"])
    if outcome.ok:
        messages.success(request, _("%(n)s riders seeded into the waves.") % {"n": seeded})
    return _back(category)


def wave_move(request: HttpRequest, category: Category) -> HttpResponse:
    form = WaveMoveForm(request.POST, category=category)
    if not form.is_valid():
        form_errors_flashed(request, form)
        return _back(category)
    registration = confirmed_by_bib(category=category, bib=form.cleaned_data["bib"])
    if registration is None:
        messages.error(request, _("No confirmed rider of this category has bib %(bib)s.")
                       % {"bib": form.cleaned_data["bib"]})
        return _back(category)
    with shown_on(request) as outcome:
        services.registration_wave_move(registration=registration, wave=form.cleaned_data["wave"])
    if outcome.ok:
        messages.success(request, _("Bib %(bib)s moved.") % {"bib": form.cleaned_data["bib"]})
    return _back(category)


ACTIONS = {"wave_add": wave_add, "wave_remove": wave_remove, "waves_seed": waves_seed, "wave_move": wave_move}
