"""An event's life: created in draft with its categories and questions, edited, published,
paused, cancelled (everyone told) and completed (other apps told through events.signals)."""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import money
from core.errors import ServiceError
from core.services import model_update
from core.slugs import insert_with_unique_slug, unique_slug
from events import payments_port, selectors
from events.models import Category, Event, Question, Registration
from events.services.ballot import ballot_setup
from events.services.errors import EventCode
from events.services.outbox import mail_on_commit
from events.services.seats import bib_ranges_check, default_bib_ranges, lock_category, promote
from events.services.status import event_move, registrations_move
from events.signals import event_completed

RESERVED_SLUGS = frozenset({"new", "mine", "feed", "registrations"})  # path segments of events/urls.py


@transaction.atomic
def event_create(*, created_by: User, title: str, kind: str, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, registration_opens_at: datetime.datetime,
                 registration_closes_at: datetime.datetime, categories: list[dict],
                 questions: list[dict] | None = None, slug: str = "", **fields: object) -> Event:
    """An event in draft with its categories (each pinning a route version) and questions."""
    if not categories:
        raise ServiceError(_("An event needs at least one category."), EventCode.NO_CATEGORIES)
    routes = list(fields.pop("challenge_routes", None) or [])  # type: ignore[call-overload]
    if kind == Event.Kind.CHALLENGE and not routes and not any(c.get("route_version") for c in categories):
        raise ServiceError(_("An anytime challenge needs at least one route to ride."), EventCode.CHALLENGE_NO_ROUTE,
                           field="challenge_routes")
    title_en = fields.get("title_en")
    event = Event(created_by=created_by, title=title, kind=kind, starts_at=starts_at, ends_at=ends_at,
                  registration_opens_at=registration_opens_at, registration_closes_at=registration_closes_at,
                  slug=slug or unique_slug(Event, str(title_en or title), fallback="event", reserved=RESERVED_SLUGS),
                  **fields)
    event.full_clean(validate_unique=bool(slug))  # a chosen slug is checked here, a made one on insert
    if slug:
        event.save()
    else:
        insert_with_unique_slug(event, text=str(title_en or title), fallback="event", reserved=RESERVED_SLUGS)
    event.organizers.add(created_by)
    if routes:
        event.challenge_routes.set(routes)
    ranges = default_bib_ranges([int(c["capacity"]) for c in categories])
    made = []
    for position, (spec, (start, end)) in enumerate(zip(categories, ranges)):
        spec = money.spec_in_fen(dict(spec), "fee_cny", "fee_fen")  # yuan typed in a form or the API
        category = Category(event=event, position=position, bib_start=spec.pop("bib_start", start),
                            bib_end=spec.pop("bib_end", end), **spec)
        category.next_bib = category.bib_start
        category.full_clean()
        made.append(category)
    bib_ranges_check(made)
    Category.objects.bulk_create(made)
    for category in made:
        if category.mode == Category.Mode.BALLOT:  # the commitment is public from the start
            ballot_setup(category=category)
    for position, spec in enumerate(questions or []):
        question = Question(event=event, position=position, **spec)
        question.full_clean()
        question.save()
    return event


@transaction.atomic
def event_update(*, event: Event, **fields: object) -> Event:
    routes = fields.pop("challenge_routes", None)
    model_update(instance=event, fields=fields)
    if routes is not None:
        event.challenge_routes.set(routes)  # type: ignore[arg-type]
    transaction.on_commit(selectors.signup_cache_clear)
    return event


@transaction.atomic
def category_update(*, category: Category, **fields: object) -> Category:
    """Change capacity, bib range, fee (fee_fen) or limits; more seats go to the waitlist at once, in order."""
    fields = money.spec_in_fen(fields, "fee_cny", "fee_fen")
    locked = lock_category(category)
    if "mode" in fields and fields["mode"] != locked.mode and locked.registrations.exists():
        raise ServiceError(_("Riders have signed up already: the registration mode cannot change."),
                           EventCode.MODE_LOCKED, field="mode")
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    siblings = [locked if c.pk == locked.pk else c for c in Category.objects.filter(event_id=locked.event_id)]
    bib_ranges_check(siblings)
    if not locked.bib_start <= locked.next_bib <= locked.bib_end + 1:
        top = (Registration.objects.filter(category=locked, bib__gte=locked.bib_start, bib__lte=locked.bib_end)
               .order_by("-bib").values_list("bib", flat=True).first())
        locked.next_bib = (top or locked.bib_start - 1) + 1
    locked.save()
    if locked.mode == Category.Mode.BALLOT:
        ballot_setup(category=locked)
    else:
        promote(locked)
    transaction.on_commit(selectors.signup_cache_clear)
    return locked


@transaction.atomic
def category_add(*, event: Event, spec: dict) -> Category:
    """A category added after creation: its bibs in the next free block of thousands."""
    Event.objects.select_for_update().get(pk=event.pk)  # one addition at a time per event
    siblings = list(Category.objects.filter(event=event))
    top = max((c.bib_end for c in siblings), default=0)
    (start, end), = default_bib_ranges([int(spec["capacity"])])
    spec = money.spec_in_fen(dict(spec), "fee_cny", "fee_fen")
    category = Category(event=event, position=len(siblings), bib_start=spec.pop("bib_start", top + start),
                        bib_end=spec.pop("bib_end", top + end), **spec)
    category.next_bib = category.bib_start
    category.full_clean()
    bib_ranges_check([*siblings, category])
    category.save()
    if category.mode == Category.Mode.BALLOT:
        ballot_setup(category=category)
    transaction.on_commit(selectors.signup_cache_clear)
    return category


@transaction.atomic
def question_add(*, event: Event, spec: dict) -> Question:
    """A question added after creation (riders already registered have not answered it)."""
    Event.objects.select_for_update().get(pk=event.pk)
    taken = set(event.questions.values_list("key", flat=True))
    key, n = spec.get("key") or "q", 1
    while key in taken:
        n += 1
        key = f"{spec.get('key') or 'q'}-{n}"
    question = Question(event=event, position=len(taken), **{**spec, "key": key})
    question.full_clean()
    question.save()
    transaction.on_commit(selectors.signup_cache_clear)
    return question


def event_publish(*, event: Event, by: User | None = None) -> Event:
    if event.status != Event.Status.DRAFT:
        raise ServiceError(_("Only a draft event can be published."), EventCode.NOT_DRAFT)
    event_move(event, Event.Status.PUBLISHED, by=by, why="published")
    transaction.on_commit(selectors.signup_cache_clear)
    return event


def event_registration_pause(*, event: Event, paused: bool) -> Event:
    return event_update(event=event, registration_paused=paused)


@transaction.atomic
def event_cancel(*, event: Event, reason: str = "", by: User | None = None) -> Event:
    """Cancel the event and every registration (the lock order: every category, then the
    registrations, then payments' orders); everyone registered is told (queued on commit) and
    refunded in full."""
    categories = list(Category.objects.select_for_update().filter(event=event).order_by("pk"))
    Event.objects.select_for_update().filter(pk=event.pk).values_list("pk").get()
    event.refresh_from_db(fields=["status"])
    if event.status == Event.Status.CANCELLED:
        return event
    event.cancelled_reason = reason
    event_move(event, Event.Status.CANCELLED, by=by, why=reason[:200] or "cancelled", fields=["cancelled_reason"])
    now = timezone.now()
    active = Registration.objects.select_for_update().filter(event=event, status__in=Registration.ACTIVE)
    cancelled = registrations_move(active, Registration.Status.CANCELLED, by=by, why="event cancelled",
                                   cancelled_at=now, bib=None)
    Category.objects.filter(pk__in=[c.pk for c in categories]).update(confirmed_count=0)
    for pk in cancelled:
        mail_on_commit(pk, "event_cancelled")
    payments_port.seat_money.event_cancelled(event=event)  # payments closes unpaid orders and refunds everyone in full
    transaction.on_commit(selectors.signup_cache_clear)
    return event


@transaction.atomic
def event_complete(*, event: Event) -> Event:
    """Mark the event completed; after commit, event_completed tells other apps (industry
    recomputes its participation statistics)."""
    Event.objects.select_for_update().filter(pk=event.pk).values_list("pk").get()
    event.refresh_from_db(fields=["status"])
    event_move(event, Event.Status.COMPLETED, why="completed")
    transaction.on_commit(partial(event_completed.send, sender=Event, event=event))
    return event
