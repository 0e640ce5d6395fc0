"""How industry reacts to events (connected in IndustryConfig.ready): statistics recomputed when
an event completes or its check-ins and results change; brands answer the "brand" question;
organizers get a link to their event's sponsors."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from core.i18n import localized
from core.queue import task_queue_best_effort
from events.models import Event, Question
from events.questions import Choice
from events.signals import event_completed, organizer_links, question_choices, registrations_changed
from industry.models import Brand
from industry.stats import stats_are_deferred, stats_requested

EVENT_STATS_TASK = "industry.compute_event_stats"  # industry/tasks.py


@receiver(event_completed, dispatch_uid="industry.stats_on_completion")
def stats_on_completion(sender: type, *, event: Event, **kwargs: Any) -> None:
    _queue_stats(event)


@receiver(registrations_changed, dispatch_uid="industry.stats_on_change")
def stats_on_change(sender: type, *, event: Event, **kwargs: Any) -> None:
    """Statistics of a completed event count check-ins and finishers: recompute when they change."""
    if event.status == Event.Status.COMPLETED:
        _queue_stats(event)


def _queue_stats(event: Event) -> None:
    """The signals are sent after commit: note the request, then queue best-effort (Redis may be
    down); the sweep queues what was asked for and not done."""
    stats_requested(event_id=event.pk)
    if not stats_are_deferred():  # (a loader computes them all at the end: industry.stats.stats_deferred)
        task_queue_best_effort(EVENT_STATS_TASK, event.pk)


@receiver(question_choices, dispatch_uid="industry.brand_choices")
def brand_choices(sender: type, *, kind: str, **kwargs: Any) -> list[Choice] | None:
    if kind != Question.Kind.BRAND:
        return None
    return [Choice(b.slug, localized(b, "name"), aliases=tuple(a for a in (b.name, b.name_en) if a))
            for b in Brand.objects.order_by("name")]


@receiver(organizer_links, dispatch_uid="industry.sponsor_link")
def sponsor_link(sender: type, *, event: Event, **kwargs: Any) -> list[tuple[str, str]]:
    return [(_("Sponsors"), reverse("insights:event-sponsors", args=[event.slug]))]
