"""A rider's own pages: their registration (one small view per thing they can do with it: confirm
a held seat, give their answers, cancel or decline, switch category, transfer, withdraw a
transfer offer, defer), their events and calendar feed, and a family entry."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.selectors import rider_by_username
from accounts.services import feed_token
from core.i18n import localized
from core.parse import whole_number
from core.signals import replies, reply_items
from core.views import shown_on
from events import services
from events.forms import CompanionForm, ProxyForm, RegistrationForm, SwitchCategoryForm, TransferForm
from events.mail import qr_svg
from events.models import Event, Registration
from events.selectors import (
    ballot_selected,
    event_get,
    pending_transfer_offer,
    registration_of_rider,
    registrations_of,
    waitlist_position,
)
from events.selectors.extras import addons_offered, entry_lines, items_of
from events.signals import event_notes, registration_links, registration_sections
from events.views.common import posted_id

Status = Registration.Status


def _own(request: HttpRequest, pk: int) -> Registration:
    registration = registration_of_rider(registration_id=pk, user=request.user)
    if request.user.pk not in (registration.rider_id, registration.rider.guardian_id):
        raise Http404  # organizers use the roster; this page is the rider's own (or their guardian's)
    return registration


def _owes_answers(registration: Registration) -> bool:
    """A seat that came by transfer waits for its new rider's own answers."""
    return (registration.status != Status.HELD and registration.status in Registration.ACTIVE
            and services.registration_answers_missing(registration))


def _answers_form(request: HttpRequest, registration: Registration, *, bound: bool) -> RegistrationForm:
    return RegistrationForm(request.POST if bound else None, event=registration.event, fixed_category=True,
                            rider=request.user)


def _back(registration: Registration) -> HttpResponse:
    return redirect("events:registration", pk=registration.pk)


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The rider's registration page; a POST goes to the view its `action` names."""
    registration = _own(request, pk)
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        return action(request, registration) if action is not None else _back(registration)
    held = registration.status == Status.HELD
    owes_answers = _owes_answers(registration)
    event = registration.event
    code = services.checkin_code(registration) if registration.status == Status.CONFIRMED else ""
    checkin_url = (request.build_absolute_uri(f"{reverse('events:checkin', args=[event.slug])}?code={code}")
                   if code else "")
    return render(request, "events/registration_detail.html", {
        "registration": registration, "event": event, "code": code,
        "qr": mark_safe(qr_svg(checkin_url)) if code else "",  # noqa: S308 - segno's own SVG
        "switch_form": SwitchCategoryForm(event=event, initial={"category": registration.category_id}),
        "transfer_form": TransferForm(),
        "confirm_form": _answers_form(request, registration, bound=False) if held or owes_answers else None,
        "owes_answers": owes_answers, "pending_transfer": pending_transfer_offer(registration),
        "waitlist_position": waitlist_position(registration), "ballot_selected": ballot_selected(registration),
        "links": reply_items(registration_links, sender=Registration, registration=registration, request=request),
        "notes": reply_items(event_notes, sender=Event, event=event, registration=registration),
        "sections": replies(registration_sections, sender=Registration, registration=registration, request=request),
        "can_transfer": event.transfer_deadline and timezone.now() <= event.transfer_deadline,
        "can_change": services.registration_window_error(event) is None,
        "can_defer": (registration.status == Status.CONFIRMED and event.deferral_deadline is not None
                      and timezone.now() <= event.deferral_deadline),
        "can_name_proxy": (registration.status == Status.CONFIRMED and event.kind != "club_ride"
                           and timezone.now() < event.starts_at),
        "proxy_form": ProxyForm(initial={"name": registration.proxy_name, "mobile": registration.proxy_mobile}),
        "entry": _entry(registration),
    })


def _entry(registration: Registration) -> dict:
    """What the entry includes, line by line, and the add-ons whose size may still change."""
    lines = entry_lines(registration)
    now = timezone.now()
    items = items_of(registration) if registration.status in Registration.ACTIVE else []
    for item in items:
        item.changeable = item.addon.change_until is None or now <= item.addon.change_until
    unpaid = (registration.status in (Status.AWAITING, Status.WAITLISTED)
              and registration.category.mode != registration.category.Mode.BALLOT)  # draws sell none
    held = {item.addon_id for item in items}
    addable = [addon for addon in (addons_offered(registration.event) if unpaid else [])
               if addon.pk not in held and (not addon.offered_ids or registration.category_id in addon.offered_ids)
               and (addon.change_until is None or now <= addon.change_until)]
    for item in items:
        item.removable = (unpaid and item.changeable
                          and registration.category_id not in {c.pk for c in item.addon.required_in.all()})
    return {"lines": lines, "total_fen": sum(line.amount_fen for line in lines), "items": items,
            "addable": addable, "extras": len(lines) > 1 or registration.insurance != "" or bool(addable)}


def addon_add(request: HttpRequest, registration: Registration) -> HttpResponse:
    """An add-on added before paying (stock permitting); the order to pay is made again."""
    with shown_on(request) as outcome:
        item = services.item_add(registration=registration,
                                 addon_id=posted_id(request, "addon"),
                                 variant_id=posted_id(request, "variant"), by=request.user)
    if outcome.ok:
        messages.success(request, _("%(addon)s added (size %(size)s).") % {"addon": localized(item.addon, "name"),
                                                                          "size": item.variant.label})
    return _back(registration)


def addon_remove(request: HttpRequest, registration: Registration) -> HttpResponse:
    with shown_on(request) as outcome:
        services.item_remove(registration=registration, addon_id=posted_id(request, "addon"),
                             by=request.user)
    if outcome.ok:
        messages.success(request, _("The add-on is removed."))
    return _back(registration)


def size(request: HttpRequest, registration: Registration) -> HttpResponse:
    """Another size of an add-on, until its deadline (same price; stock permitting)."""
    with shown_on(request) as outcome:
        item = services.item_change(registration=registration,
                                    addon_id=posted_id(request, "addon"),
                                    variant_id=posted_id(request, "variant"), by=request.user)
    if outcome.ok:
        messages.success(request, _("%(addon)s: size %(size)s.") % {"addon": localized(item.addon, "name"),
                                                                     "size": item.variant.label})
    return _back(registration)


def confirm_hold(request: HttpRequest, registration: Registration) -> HttpResponse:
    """A seat held for this rider (a team or family entry): their answers and waiver confirm it."""
    if registration.status != Status.HELD:
        return _back(registration)
    form = _answers_form(request, registration, bound=True)
    if form.is_valid():
        with shown_on(form) as outcome:
            confirmed = services.registration_hold_confirm(
                registration=registration, answers=form.answers(),
                accept_waiver=form.cleaned_data.get("accept_waiver", False), **form.flags())
        if outcome.ok:
            messages.success(request, _("You are registered.") if confirmed.status == Status.CONFIRMED
                             else _("Your part is done: the seats become the team's when every member has "
                                    "confirmed.") if confirmed.status == Status.HELD
                             else _("Your answers are saved: pay to confirm your seat."))
            return _back(registration)
    return render(request, "events/registration_detail.html", {
        "registration": registration, "event": registration.event, "confirm_form": form})


def give_answers(request: HttpRequest, registration: Registration) -> HttpResponse:
    """A transferred seat's new rider gives their own answers."""
    if not _owes_answers(registration):
        return _back(registration)
    form = _answers_form(request, registration, bound=True)
    if form.is_valid():
        with shown_on(form) as outcome:
            services.registration_answers_give(
                registration=registration, answers=form.answers(),
                accept_waiver=form.cleaned_data.get("accept_waiver", False), **form.flags())
        if outcome.ok:
            messages.success(request, _("Your answers are saved."))
            return _back(registration)
    return render(request, "events/registration_detail.html", {
        "registration": registration, "event": registration.event, "confirm_form": form, "owes_answers": True})


def cancel(request: HttpRequest, registration: Registration) -> HttpResponse:
    """Cancel the registration; a held seat is declined (it goes back to the event)."""
    if registration.status == Status.HELD:
        with shown_on(request) as outcome:
            services.registration_hold_decline(registration=registration)
        if outcome.ok:
            messages.success(request, _("You declined the entry; your seat went back to the event."))
        return redirect("events:detail", slug=registration.event.slug)
    with shown_on(request) as outcome:
        services.registration_cancel(registration=registration)
    if outcome.ok:
        messages.success(request, _("Your registration is cancelled."))
    return _back(registration)


def switch(request: HttpRequest, registration: Registration) -> HttpResponse:
    """Another category of the event; a dearer one waits for the difference to be paid."""
    form = SwitchCategoryForm(request.POST, event=registration.event)
    if form.is_valid():
        with shown_on(request) as outcome:
            _same, pay_url = services.registration_switch(registration=registration,
                                                          category=form.cleaned_data["category"])
        if outcome.ok and pay_url:
            messages.info(request, _("The new category costs more: pay the difference and the switch is made."))
            return redirect(pay_url)
        if outcome.ok:
            messages.success(request, _("Your category was changed."))
    return _back(registration)


def transfer(request: HttpRequest, registration: Registration) -> HttpResponse:
    """Offer the seat to another rider; it moves when they accept with their own details."""
    form = TransferForm(request.POST)
    if form.is_valid():
        with shown_on(request) as outcome:
            target = rider_by_username(username=form.cleaned_data["username"])
            services.registration_transfer(registration=registration, to_rider=target)
        if outcome.ok:
            messages.success(request, _("Your seat is offered to %(name)s: it moves when they accept it with "
                                        "their own details.") % {"name": target.public_name})
    return _back(registration)


def withdraw_transfer(request: HttpRequest, registration: Registration) -> HttpResponse:
    with shown_on(request) as outcome:
        services.transfer_withdraw(registration=registration, rider=request.user)
    if outcome.ok:
        messages.success(request, _("The offer is withdrawn."))
    return _back(registration)


def defer(request: HttpRequest, registration: Registration) -> HttpResponse:
    with shown_on(request) as outcome:
        services.registration_defer(registration=registration)
    if outcome.ok:
        messages.success(request, _("Deferred to the next edition: your seat went to the waitlist."))
    return _back(registration)


def proxy(request: HttpRequest, registration: Registration) -> HttpResponse:
    """Name someone to pick the kit up (or nobody but the rider, with `clear`)."""
    form = ProxyForm(request.POST)
    if form.is_valid():
        clear = bool(request.POST.get("clear"))
        with shown_on(request) as outcome:
            services.registration_proxy_set(registration=registration, name="" if clear else form.cleaned_data["name"],
                                            mobile="" if clear else form.cleaned_data["mobile"])
        if outcome.ok:
            named = _("%(name)s may pick up your kit with their ID card.") % {"name": form.cleaned_data["name"]}
            messages.success(request, _("Only you can pick up your kit.") if clear else named)
    return _back(registration)


ACTIONS: dict[str, Callable[[HttpRequest, Registration], HttpResponse]] = {
    "confirm": confirm_hold, "answers": give_answers, "cancel": cancel, "switch": switch, "transfer": transfer,
    "withdraw_transfer": withdraw_transfer, "defer": defer, "proxy": proxy, "size": size, "addon_add": addon_add,
    "addon_remove": addon_remove,
}


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    registrations = list(registrations_of(rider=request.user))
    for registration in registrations:
        registration.waitlist_position = waitlist_position(registration)
    return render(request, "events/my_events.html", {
        "registrations": registrations,
        "feed_url": request.build_absolute_uri(reverse("events:feed", args=[feed_token(request.user)])),
    })


MAX_COMPANIONS = 6


@login_required
def family_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """Register family or friends in one go (with or without yourself): each companion's profile and
    answers; children under 18 with your consent as their guardian; every seat or none. The same
    service as the API's (events.services.registrations_create_family)."""
    event = event_get(slug=slug, user=request.user)
    count = min(max(whole_number(request.GET.get("n", "1")) or 1, 1), MAX_COMPANIONS)
    if request.method == "POST":
        count = min(max(whole_number(request.POST.get("count", "1")) or 1, 1), MAX_COMPANIONS)
    data = request.POST if request.method == "POST" else None
    form = RegistrationForm(data, event=event, rider=request.user, check_answers=False, extras=False)
    form.fields["adult_rides"] = forms.BooleanField(label=_("I ride too"), required=False, initial=True)
    form.fields["friends"] = forms.CharField(
        label=_("Friends with an account (usernames, separated by commas): each confirms their own seat"),
        required=False, max_length=500)
    form.fields["guardian_consent"] = forms.BooleanField(
        label=_("I am the guardian of the children I register and consent to them riding"), required=False)
    for name, field in form.fields.items():
        if name.startswith("q_"):
            field.required = False  # only when you ride too (checked by the service)
    companions = [CompanionForm(data, event=event, prefix=f"c{i}", empty_permitted=True,
                                use_required_attribute=False) for i in range(count)]
    if request.method == "POST" and form.is_valid() and all(c.is_valid() for c in companions):
        with shown_on(form) as outcome:
            made = services.registrations_create_family(
                category=form.cleaned_data["category"], adult=request.user,
                companions=[c.companion() for c in companions if c.has_changed()],
                adult_rides=form.cleaned_data["adult_rides"], adult_answers=form.answers(),
                accept_waiver=form.cleaned_data.get("accept_waiver", False),
                guardian_consent=form.cleaned_data["guardian_consent"],
                id_consent=bool(form.cleaned_data.get("id_consent")),
                friend_usernames=form.cleaned_data["friends"].replace("，", ",").split(","))
        if outcome.ok:
            messages.success(request, _("%(n)s riders registered.") % {"n": len(made)})
            mine = [r for r in made if request.user.pk in (r.rider_id, r.rider.guardian_id)]
            return redirect("events:registration", pk=mine[0].pk) if mine else redirect("events:detail",
                                                                                         slug=event.slug)
    return render(request, "events/family_entry.html", {"event": event, "form": form, "companions": companions,
                                                        "count": count, "more": count < MAX_COMPANIONS})
