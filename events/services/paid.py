"""Money's reactions on seats (through events.payments_port): a payment confirms a held seat (a late
one takes a free seat or is refunded), an unpaid hold lapses to the waitlist."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ServiceError
from events.models import Category, Coupon, EntryItem, Event, Registration
from events.services.extras import _coupon_limits, _variants_lock
from events.services.outbox import mail_on_commit, mails_on_commit
from events.services.seats import (
    lock_seat,
    promote,
    recount,
    take_bib,
)
from events.services.signup import _active_registration
from events.services.status import (
    registration_move,
    registrations_move,
)


@transaction.atomic
def registration_paid(*, registration_id: int, late: bool = False) -> bool:
    """The rider paid for their held seat: it is confirmed. ``late``: money for an order that
    expired (the seat lapsed for want of payment, never a withdrawal) takes a free seat if one is
    left. Returns False when there is nothing to give (the caller refunds): the seat is gone, was
    paid already, or is no longer waiting for this payment."""
    registration = lock_seat(Registration(pk=registration_id))
    category = registration.category
    now = timezone.now()
    why = "paid"
    if late:
        lapsed = (registration.status == Registration.Status.CANCELLED and registration.deferred_at is None
                  and registration.event.status == Event.Status.PUBLISHED
                  and registration.rider.is_active)  # never a seat again for a deleted account
        if not lapsed:
            return False
        recount(category)
        if category.confirmed_count + category.code_seats >= category.capacity or _active_registration(
                registration.event, registration.rider):
            return False
        # the lock order: the coupon, then the sizes (docs/registration.md)
        if registration.coupon_id and not _coupon_still_free(registration):  # its coupon used up meanwhile
            return False
        if not _items_still_free(registration):  # its add-ons' sizes sold to others meanwhile: refunded
            return False
        registration.bib = take_bib(category)
        Category.objects.filter(pk=category.pk).update(confirmed_count=F("confirmed_count") + 1)
        why = "paid after the seat lapsed (a seat was still free)"
    elif registration.status != Registration.Status.AWAITING:
        return False
    registration.confirmed_at, registration.hold_expires_at, registration.cancelled_at = now, None, None
    registration_move(registration, Registration.Status.CONFIRMED, why=why,
                      fields=["confirmed_at", "hold_expires_at", "cancelled_at", "bib"])
    mail_on_commit(registration.pk, "confirmed")
    return True


def _items_still_free(registration: Registration) -> bool:
    """A lapsed seat paid late comes back only with every add-on it had (stock locked and counted)."""
    variant_ids = list(EntryItem.objects.filter(registration=registration, refunded_at__isnull=True)
                       .values_list("variant_id", flat=True))
    if not variant_ids:
        return True
    try:
        _variants_lock(variant_ids)
    except ServiceError:
        return False
    return True


def _coupon_still_free(registration: Registration) -> bool:
    """A lapsed seat paid late comes back with its discount only while its coupon has a use left."""
    try:
        coupon = Coupon.objects.select_for_update().get(pk=registration.coupon_id or 0)
        _coupon_limits(coupon, registration.rider_id)
    except ServiceError:
        return False
    return True


@transaction.atomic
def registrations_payment_lapsed(*, registration_ids: list[int]) -> int:
    """Seats not paid in time (the expiry job, which holds their categories' locks already): per
    category one update and one promotion (to the next on the waitlist, as an offer where the
    category is paid). Returns how many seats were released."""
    released = 0
    by_category: dict[int, list[int]] = {}
    for pk, category_id in Registration.objects.filter(pk__in=registration_ids).values_list("pk", "category_id"):
        by_category.setdefault(category_id, []).append(pk)
    now = timezone.now()
    for category_id in sorted(by_category):  # one lock order for every caller
        category = Category.objects.select_for_update().get(pk=category_id)
        awaiting = Registration.objects.select_for_update().filter(
            pk__in=sorted(by_category[category_id]), status=Registration.Status.AWAITING)
        lapsed = registrations_move(awaiting, Registration.Status.CANCELLED, why="not paid in time",
                                    cancelled_at=now, bib=None)
        if not lapsed:
            continue
        mails_on_commit(lapsed, "payment_lapsed")
        promote(category)  # recounts, then offers the free seats to the waitlist
        released += len(lapsed)
    return released
