"""Family entry: an adult registers themselves and their children or companions at once, each checked
like a rider of their own, all seats or none."""

from __future__ import annotations

from typing import cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import riders_by_username
from accounts.services import companion_create
from core.errors import ServiceError
from events import payments_port
from events.models import Category, Registration
from events.selectors.extras import fee_in_force, new_entry_fen
from events.services.answers import answers_clean
from events.services.errors import RegistrationCode
from events.services.holds import _group_seats, _named, hold_deadline, payment_deadline
from events.services.outbox import mail_on_commit
from events.services.seats import (
    lock_category,
    new_checkin_key,
    take_bib,
)
from events.services.signup import _gives_id, _identity, _window_check, insurance_choice, rider_check
from events.services.status import (
    registration_created,
)

ADULT_AGE = 18


def _member_checks(*, category: Category, rider: User, given: dict, id_consent: bool) -> dict:
    """One family member's rules, answers and ID, as a sign-up of their own; their cleaned answers."""
    rider_check(category=category, rider=rider)
    cleaned = answers_clean(event=category.event, answers=given)
    _identity(category.event, rider, cleaned, id_consent=id_consent, fill_profile=False)
    return cleaned


@transaction.atomic
def registrations_create_family(*, category: Category, adult: User, members: list[tuple[User, dict]] | None = None,
                                companions: list[dict] | None = None, adult_rides: bool = True,
                                adult_answers: dict | None = None, accept_waiver: bool = False,
                                guardian_consent: bool = False, id_consent: bool = False,
                                friends: list[User] | None = None,
                               friend_usernames: list[str] | None = None) -> list[Registration]:
    """An adult registers companions (family, friends; each their own profile and answers) with or
    without themselves: every seat or none, under the category lock as team entries. Friends with
    their own account get a held seat they confirm themselves (their answers, their waiver), as a
    team member does; companions without one are the adult's to answer for. A child under
    18 rides only with the consent of their guardian, the registering adult; the adult accepts the
    waiver for everyone and pays for everyone (their orders are the adult's). The page and the API
    both call this with what the rider typed (friends by username)."""
    event = category.event
    names = [n.strip() for n in friend_usernames or [] if n.strip()]
    friends = [*(friends or []), *(riders_by_username(usernames=names, field="friends") if names else [])]
    friends = [f for f in friends if f.pk != adult.pk]
    # companions without an account (page and API alike): made here, so their profiles exist only
    # with their seats (the whole entry rolls back on any refusal)
    members = list(members or []) + [
        (companion_create(guardian=adult, real_name=c["real_name"], gender=c["gender"],
                          date_of_birth=c["date_of_birth"], mobile=c.get("mobile", "")), c.get("answers") or {})
        for c in companions or []]
    if not members and not friends:
        raise ServiceError(_("Add at least one companion."), RegistrationCode.EMPTY_GROUP)
    _window_check(event)
    for friend in friends:
        _named(friend, rider_check, category=category, rider=friend)
    if event.waiver_text and not accept_waiver:
        raise ServiceError(_("Accept the waiver to register."), RegistrationCode.WAIVER)
    day = event.starts_at.date()
    adult_age = adult.age_on(day)
    riders: list[tuple[User, dict]] = ([(adult, adult_answers or {})] if adult_rides else []) + list(members)
    checked: list[tuple[User, dict, bool]] = []
    for rider, given in riders:
        minor = rider.pk != adult.pk and (rider.age_on(day) or 0) < ADULT_AGE
        if minor and (rider.guardian_id != adult.pk or adult_age is None or adult_age < ADULT_AGE):
            raise ServiceError(_("%(name)s is under 18: only their guardian, an adult, can register them.")
                               % {"name": rider.public_name}, RegistrationCode.GUARDIAN, field="members")
        if minor and not guardian_consent:
            raise ServiceError(_("As the guardian, consent to %(name)s riding to register them.")
                               % {"name": rider.public_name}, RegistrationCode.GUARDIAN, field="guardian_consent")
        cleaned = cast(dict, _named(rider, _member_checks, category=category, rider=rider, given=given,
                                    id_consent=id_consent))
        checked.append((rider, cleaned, minor))
    locked = lock_category(category)
    free = _group_seats(locked, [r for r, _a, _m in checked] + friends)
    if free < len(checked) + len(friends):
        raise ServiceError(_("Only %(free)s seats are left in this category for %(count)s riders: nobody was "
                             "registered.") % {"free": max(free, 0), "count": len(checked) + len(friends)},
                           RegistrationCode.NOT_ENOUGH_SEATS)
    now = timezone.now()
    price = fee_in_force(locked, now).fee_fen  # price tiers; the family's seats take no coupon or add-on
    cover = insurance_choice(event, "")
    fee = new_entry_fen(event=event, fee_fen=price, cover=cover)
    pay_by = payment_deadline(event, now) if fee else None
    made = []
    for rider, cleaned, minor in checked:
        registration = Registration.objects.create(
            event=event, category=locked, rider=rider, bib=take_bib(locked), queued_at=now, answers=cleaned,
            status=Registration.Status.AWAITING if fee else Registration.Status.CONFIRMED,
            confirmed_at=None if fee else now, hold_expires_at=pay_by, checkin_key=new_checkin_key(),
            waiver_accepted_at=now if accept_waiver else None, guardian_consent_at=now if minor else None,
            id_consent_at=now if _gives_id(event, cleaned) else None, price_fen=price, insurance=cover)
        registration_created(registration, by=adult, why="family entry")
        if pay_by is not None:
            payments_port.seat_money.seat_held(registration=registration, amount_fen=fee, deadline=pay_by)
        mail_on_commit(registration.pk, registration.status)
        made.append(registration)
    deadline = hold_deadline(event, now)
    for friend in friends:  # their seat is held until they confirm it themselves
        made.append(Registration.objects.create(
            event=event, category=locked, rider=friend, status=Registration.Status.HELD, bib=take_bib(locked),
            queued_at=now, hold_expires_at=deadline, checkin_key=new_checkin_key(), price_fen=price, insurance=cover))
        registration_created(made[-1], by=adult, why="family entry: held for a friend")
        mail_on_commit(made[-1].pk, "group_entry")
    Category.objects.filter(pk=locked.pk).update(confirmed_count=F("confirmed_count") + len(made))
    return made
