"""A registration changed by its rider or the organizer: withdrawal (cancel), a switch of category
(paid first when dearer), deferral to the next edition."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import money
from core.errors import ServiceError
from core.i18n import localized
from events import payments_port
from events.models import Category, Registration, TransferOffer
from events.selectors.extras import fee_in_force, required_addons_missing, switch_price_fen
from events.services.errors import RegistrationCode
from events.services.holds import _holds_release, payment_deadline
from events.services.outbox import mail_on_commit
from events.services.seats import (
    confirmed_count,
    lock_category,
    lock_seat,
    promote,
    recount,
    take_bib,
)
from events.services.signup import _window_check, rider_check
from events.services.status import (
    offer_move,
    registration_move,
)


@transaction.atomic
def registration_cancel(*, registration: Registration, by_rider: bool = True, by: Any = None,
                        why: str = "") -> Registration:
    """Cancel; a freed seat goes to the next waitlisted rider in the same transaction. Unpaid
    orders are closed; money paid goes back by the event's refund policy when the rider withdrew
    (payments, through the seat_money port)."""
    registration = lock_seat(registration)
    category = registration.category
    if registration.status == Registration.Status.CANCELLED:
        return registration
    who = by if by is not None else (registration.rider if by_rider else None)
    if registration.status == Registration.Status.HELD:  # declining a held seat leaves no trace
        _holds_release(category, [registration.pk], why=why or "cancelled", by=who)
        registration.status = Registration.Status.CANCELLED  # in memory: the row was deleted
        return registration
    was_seated = registration.status in Registration.SEATED  # confirmed, or held for payment
    registration.cancelled_at = timezone.now()
    registration.bib = None
    registration_move(registration, Registration.Status.CANCELLED, by=who,
                      why=why or ("withdrawn by the rider" if by_rider else "cancelled by the organizer"),
                      fields=["cancelled_at", "bib"])
    for offer in TransferOffer.objects.select_for_update().filter(registration=registration,
                                                                  status=TransferOffer.Status.PENDING):
        offer.decided_at = registration.cancelled_at
        offer_move(offer, TransferOffer.Status.WITHDRAWN, by=who, why="the seat was cancelled", fields=["decided_at"])
    mail_on_commit(registration.pk, "cancelled")
    payments_port.seat_money.seat_released(registration=registration, by_rider=by_rider)
    if was_seated:
        promote(category)  # recounts: the seat goes to the waitlist
    return registration


@transaction.atomic
def registration_change_category(*, registration: Registration, category: Category,
                                 settled: bool = False, by: Any = None) -> Registration:
    """Move to another category of the same event under the same rules as a new registration.

    The price due afterwards is always the full price of the new category less what was paid for
    the seat (an entry code's price stays with its own category): a confirmed rider for whom that is
    more pays it first (``settled``: payments calls this once it is paid), one who paid more gets the
    difference back, an unpaid seat's order is made again for what is due. A seated rider keeps
    their seat when the new category is full (refused); a waitlisted one joins its waitlist."""
    if category.event_id != registration.event_id:
        raise ServiceError(_("This category belongs to another event."), RegistrationCode.WRONG_EVENT)
    if category.pk == registration.category_id:
        return registration
    _window_check(registration.event)
    rider_check(category=category, rider=registration.rider)
    if category.mode == Category.Mode.BALLOT:
        raise ServiceError(_("Places in a ballot category are drawn: enter the ballot instead."),
                           RegistrationCode.BALLOT_DRAWN)
    registration = lock_seat(registration, also=[category.pk])
    old, new = lock_category(registration.category), lock_category(category)  # held already: fresh rows
    if registration.status not in Registration.ACTIVE:
        raise ServiceError(_("This registration is cancelled."), RegistrationCode.CANCELLED)
    if registration.status in (Registration.Status.HELD, Registration.Status.ENTERED):
        raise ServiceError(_("Confirm this entry before changing its category."), RegistrationCode.NOT_HELD)
    if new.addons_required:
        missing = required_addons_missing(registration, new)
        if missing:
            raise ServiceError(_("%(addon)s is required in this category: choose a size.")
                               % {"addon": localized(missing[0], "name")}, RegistrationCode.ADDON)
    was = registration.status
    was_seated = was in Registration.SEATED
    paid = payments_port.seat_money.paid_fen(registration=registration)
    fee = fee_in_force(new, timezone.now()).fee_fen
    price = switch_price_fen(registration, new, fee)
    due = price - paid
    if was == Registration.Status.CONFIRMED and due > 0 and not settled:
        raise ServiceError(_("This category costs ¥%(amount)s more: pay the difference to switch.")
                           % {"amount": money.yuan(due)}, RegistrationCode.PAYMENT_REQUIRED, http_status=402)
    now = timezone.now()
    seat_free = confirmed_count(new) + new.code_seats < new.capacity  # counted before this registration moves in
    if not seat_free and (was_seated or not new.waitlist_enabled):
        raise ServiceError(_("This category is full."), RegistrationCode.FULL)
    registration.category = new
    registration.bib, registration.wave = None, None  # the old category's bib and start wave
    registration.price_fen = fee  # the new category's fee in force now
    fields = ["category", "bib", "wave", "confirmed_at", "queued_at", "hold_expires_at", "price_fen"]
    why = f"switched category {old.pk} → {new.pk}"
    if not seat_free:
        registration.queued_at = now
        registration_move(registration, Registration.Status.WAITLISTED, by=by, why=why, fields=fields)
    elif due > 0:  # still to pay: the seat is held at the new price
        registration.bib = take_bib(new)
        if was != Registration.Status.AWAITING:
            registration.hold_expires_at = payment_deadline(registration.event, now)
        registration_move(registration, Registration.Status.AWAITING, by=by, why=why, fields=fields)
    else:
        registration.bib = take_bib(new)
        registration.confirmed_at, registration.hold_expires_at = registration.confirmed_at or now, None
        registration_move(registration, Registration.Status.CONFIRMED, by=by, why=why, fields=fields)
    mail_on_commit(registration.pk, registration.status)
    payments_port.seat_money.seat_repriced(registration=registration, price_fen=price)
    recount(new)
    if was_seated:
        promote(old)
    return registration


def registration_switch(*, registration: Registration, category: Category) -> tuple[Registration, str | None]:
    """A rider's switch: done at once, or (a dearer category for a confirmed rider) the address of
    the order that pays the difference first; the switch happens when it is paid."""
    try:
        return registration_change_category(registration=registration, category=category,
                                            by=registration.rider), None
    except ServiceError as error:
        if error.error_code != RegistrationCode.PAYMENT_REQUIRED:
            raise
        due = (switch_price_fen(registration, category, fee_in_force(category).fee_fen)
               - payments_port.seat_money.paid_fen(registration=registration))
        url = payments_port.seat_money.switch_pay_url(registration=registration, category=category, amount_fen=due)
        if not url:
            raise
        return registration, url


@transaction.atomic
def registration_defer(*, registration: Registration) -> Registration:
    """A confirmed rider defers to the next edition (where the organizer allows it, before the
    deadline): the seat goes back to the waitlist now; the organizer gives deferred riders a seat in
    the next edition (deferral_codes_issue). What they paid stays paid (it pays for that seat)."""
    event = registration.event
    if event.deferral_deadline is None or timezone.now() > event.deferral_deadline:
        raise ServiceError(_("Deferring is not possible for this event now."), RegistrationCode.DEFERRAL_CLOSED)
    registration = lock_seat(registration)
    if registration.status != Registration.Status.CONFIRMED:
        raise ServiceError(_("Only a confirmed seat can be deferred."), RegistrationCode.DEFERRAL_CLOSED)
    now = timezone.now()
    registration.cancelled_at, registration.deferred_at, registration.bib = now, now, None
    registration_move(registration, Registration.Status.CANCELLED, by=registration.rider, why="deferred",
                      fields=["cancelled_at", "deferred_at", "bib"])
    payments_port.seat_money.seat_released(registration=registration, by_rider=False)  # a pending switch order closes
    mail_on_commit(registration.pk, "deferred")
    promote(registration.category)  # the seat goes to the waitlist
    return registration
