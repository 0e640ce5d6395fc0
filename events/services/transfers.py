"""Transfers: a rider offers their seat to another rider, who accepts with their own details (a new
check-in key: the old QR stops working) or declines."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import transitions
from core.errors import ServiceError
from events import payments_port
from events.models import Registration, TransferOffer
from events.services.answers import answers_clean
from events.services.errors import RegistrationCode
from events.services.holds import _named
from events.services.outbox import mail_on_commit, outbox_enqueue_to
from events.services.seats import (
    lock_seat,
    new_checkin_key,
)
from events.services.signup import _gives_id, _identity, rider_check
from events.services.status import (
    offer_move,
)


def _transfer_checks(registration: Registration, to_rider: User) -> None:
    event = registration.event
    if event.transfer_deadline is None or timezone.now() > event.transfer_deadline:
        raise ServiceError(_("Transfers are not possible for this event now."), RegistrationCode.TRANSFER_CLOSED)
    if registration.status not in Registration.ACTIVE or registration.status == Registration.Status.ENTERED:
        raise ServiceError(_("This registration is cancelled."), RegistrationCode.CANCELLED)
    if registration.status == Registration.Status.HELD:
        raise ServiceError(_("Confirm this entry before passing it on."), RegistrationCode.NOT_HELD)
    if not to_rider.is_active:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    if Registration.objects.filter(event=event, rider=to_rider, status__in=Registration.ACTIVE).exists():
        raise ServiceError(_("That rider is already registered for this event."),
                           RegistrationCode.ALREADY_REGISTERED)
    # members-only, age, gender: the recipient's, named so the sender sees whose rule it is
    _named(to_rider, rider_check, category=registration.category, rider=to_rider)


@transaction.atomic
def registration_transfer(*, registration: Registration, to_rider: User) -> TransferOffer:
    """Offer a seat to another rider before the organizer's deadline. Nothing moves until they
    accept (transfer_accept) with their own answers; the offer can be withdrawn until then."""
    registration = lock_seat(registration)
    if to_rider.pk == registration.rider_id:
        raise ServiceError(_("This registration is yours already."), RegistrationCode.ALREADY_REGISTERED)
    _transfer_checks(registration, to_rider)
    for stale in TransferOffer.objects.select_for_update().filter(registration=registration,
                                                                  status=TransferOffer.Status.PENDING):
        stale.decided_at = timezone.now()  # one offer at a time: the latest
        offer_move(stale, TransferOffer.Status.WITHDRAWN, by=registration.rider, why="a newer offer",
                   fields=["decided_at"])
    offer = TransferOffer.objects.create(registration=registration, from_rider_id=registration.rider_id,
                                         to_rider=to_rider)
    transitions.created(offer, table=TransferOffer.TRANSITIONS, by=registration.rider)
    outbox_enqueue_to(registration.pk, "transfer_offer", to_rider.pk)
    return offer


@transaction.atomic
def transfer_accept(*, offer: TransferOffer, rider: User, answers: dict | None = None, accept_waiver: bool = False,
                    id_consent: bool = False, fill_profile: bool = False) -> Registration:
    """The recipient takes the seat with their own answers, waiver and ID: the previous rider's
    answers go, the seat gets a new check-in code (the old QR no longer works), and what is still
    owed for it is theirs to pay (a new order; the sender's is closed). The rules and the deadline
    are checked again now."""
    registration = lock_seat(Registration(pk=offer.registration_id))
    offer = TransferOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.to_rider_id != rider.pk or offer.status != TransferOffer.Status.PENDING:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    if registration.rider_id != offer.from_rider_id:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    _transfer_checks(registration, rider)
    event = registration.event
    if event.waiver_text and not accept_waiver:
        raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
    cleaned = answers_clean(event=event, answers=answers or {})
    _identity(event, rider, cleaned, id_consent=id_consent, fill_profile=fill_profile)
    rider_check(category=registration.category, rider=rider)
    now = timezone.now()
    sender = registration.rider
    registration.transferred_from_id = registration.rider_id
    registration.rider = rider
    registration.checked_in_at = registration.picked_up_at = None  # the new holder picks up and checks in
    registration.checkin_key = new_checkin_key()
    registration.answers = cleaned
    registration.waiver_accepted_at = now if accept_waiver else None
    registration.id_consent_at = now if _gives_id(event, cleaned) else None
    registration.proxy_name = registration.proxy_mobile = ""  # the previous holder's authorisation goes too
    registration.insurance_certificate = ""  # issued to the previous holder's ID: the insurer's next list has theirs
    registration.save(update_fields=["rider", "transferred_from", "checked_in_at", "picked_up_at", "checkin_key",
                                     "answers", "waiver_accepted_at", "id_consent_at", "proxy_name", "proxy_mobile",
                                     "insurance_certificate"])
    offer.decided_at = now
    offer_move(offer, TransferOffer.Status.ACCEPTED, by=rider, why="accepted", fields=["decided_at"])
    payments_port.seat_money.seat_transferred(registration=registration, from_rider=sender)
    mail_on_commit(registration.pk, "transferred")
    return registration


@transaction.atomic
def transfer_decline(*, offer: TransferOffer, rider: User) -> TransferOffer:
    """The recipient says no, or the sender withdraws the offer: nothing moved, nothing moves."""
    offer = TransferOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != TransferOffer.Status.PENDING:
        return offer
    if rider.pk == offer.to_rider_id:
        to = TransferOffer.Status.DECLINED
    elif rider.pk == offer.from_rider_id:
        to = TransferOffer.Status.WITHDRAWN
    else:
        raise ServiceError(_("This transfer is no longer open."), RegistrationCode.TRANSFER_CLOSED)
    offer.decided_at = timezone.now()
    offer_move(offer, to, by=rider, fields=["decided_at"])
    return offer


@transaction.atomic
def transfer_withdraw(*, registration: Registration, rider: User) -> int:
    """The seat's holder withdraws every offer of it still open; returns how many."""
    withdrawn = 0
    for offer in registration.transfer_offers.filter(status=TransferOffer.Status.PENDING).order_by("pk"):
        withdrawn += transfer_decline(offer=offer, rider=rider).status == TransferOffer.Status.WITHDRAWN
    return withdrawn
