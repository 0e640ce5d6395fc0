"""The events app's part of a rider's data (core.personal_data): their registrations with every
answer they gave, and the erasure that keeps the registrations (statistics) without the person."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import localized
from events.models import EntryDocument, Event, EventHelper, Registration, TransferOffer


def held_seats(user: Any) -> QuerySet[Registration]:
    """What the person still holds: active registrations at published events that have not ended."""
    return (Registration.objects.filter(rider=user, status__in=Registration.ACTIVE, event__ends_at__gt=timezone.now(),
                                        event__status=Event.Status.PUBLISHED)
            .select_related("event", "category").order_by("event__starts_at", "pk"))


def preview(user: Any) -> list[str]:
    return [_("Your place at %(event)s (%(category)s) is given up: it goes to the next rider waiting.")
            % {"event": localized(r.event, "title"), "category": localized(r.category, "name")}
            for r in held_seats(user)]


def release(user: Any) -> None:
    """Before the account goes: every future seat is cancelled as a withdrawal by the rider (the
    waitlist promoted, money back by the event's policy), and open transfer offers close."""
    from events import services  # noqa: PLC0415  (services import this app's models; this module is loaded early)

    for registration in held_seats(user):
        services.registration_cancel(registration=registration, by_rider=True, by=user, why="account deleted")
    for offer in TransferOffer.objects.filter(to_rider=user, status=TransferOffer.Status.PENDING):
        services.transfer_decline(offer=offer, rider=user)
    for offer in TransferOffer.objects.filter(from_rider=user, status=TransferOffer.Status.PENDING):
        services.transfer_decline(offer=offer, rider=user)


def export(user: Any) -> list[dict]:
    return [{"event": r.event.title, "category": r.category.name, "status": r.status, "bib": r.bib,
             "answers": r.answers, "waiver_accepted_at": r.waiver_accepted_at, "id_consent_at": r.id_consent_at,
             "registered_at": r.created_at, "picked_up_at": r.picked_up_at, "checked_in_at": r.checked_in_at,
             "result": r.result, "finish_seconds": r.finish_seconds, "entry_fee_fen": r.price_fen,
             "coupon": r.coupon.code if r.coupon else "", "discount_fen": r.discount_fen,
             "add_ons": [f"{item.addon.name} {item.variant.label}" for item in r.items.all()],
             "insurance": r.insurance, "insurance_certificate": r.insurance_certificate}
            for r in Registration.objects.filter(rider=user).select_related("event", "category", "coupon")
            .prefetch_related("items__addon", "items__variant").order_by("pk")] + [
        {"document": d.kind, "event": d.event.title, "status": d.status, "reason": d.reason,
         "uploaded_at": d.created_at, "size": d.size, "type": d.content_type}
        for d in EntryDocument.objects.filter(rider=user).select_related("event").order_by("pk")]


def erase(user: Any) -> None:
    """Answers (ID numbers included) go; each registration keeps the rider's age on the event day,
    so that participation statistics computed again come out the same."""
    for registration in Registration.objects.filter(rider=user).select_related("event"):
        registration.rider_age = user.age_on(registration.event.starts_at.date()) if user.date_of_birth else None
        registration.answers = {}
        registration.proxy_name = registration.proxy_mobile = ""  # the person named for the kit pick-up too
        registration.save(update_fields=["rider_age", "answers", "proxy_name", "proxy_mobile"])
    Registration.objects.filter(transferred_from=user).update(transferred_from=None)
    EventHelper.objects.filter(user=user).delete()  # a check-in helper's role goes with the account
    Registration.objects.filter(rider=user).update(insurance_certificate="")
    from events.services.documents import documents_of_rider_erase  # noqa: PLC0415  (as above)
    documents_of_rider_erase(rider=user)  # health certificates, licences, insurance: files and rows
