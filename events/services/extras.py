"""What an entry includes beyond its seat (issue 30): price tiers, coupons, add-ons with sizes and
stock, and the add-ons and coupon a sign-up takes with its seat.

Stock and coupon uses are counted from the entries that hold them (events.selectors.extras), under
row locks taken after the seat's (docs/registration.md "Lock order": categories, registration,
then the coupon, then the variants, lowest id first), so no variant is ever sold past its stock and
no coupon used past its limits, however many riders sign up at once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.i18n import localized
from core.parse import typed_code
from events import payments_port
from events.models import AddOn, AddOnVariant, Category, Coupon, EntryItem, Event, PriceTier, Registration
from events.selectors import signup_cache_clear
from events.selectors.extras import HOLDING, coupon_counts, entry_total_fen, item_description, variants_taken
from events.services.errors import ExtrasCode, RegistrationCode
from events.services.outbox import mail_on_commit
from events.services.seats import lock_seat
from events.services.status import registration_move


def tier_add(*, event: Event, category: Category, name: str, starts_at: datetime.datetime, fee_fen: int,
             name_en: str = "") -> PriceTier:
    """A price from an instant on (early bird, regular, late): one per instant and category."""
    if category.event_id != event.pk:
        raise ServiceError(_("This event has no such category."), RegistrationCode.NO_CATEGORY, field="category")
    if starts_at >= event.registration_closes_at:
        raise ServiceError(_("A price must start before registration closes."), ExtrasCode.TIER, field="starts_at")
    try:
        with transaction.atomic():
            tier = PriceTier.objects.create(category=category, name=name.strip(), name_en=name_en.strip(),
                                            starts_at=starts_at, fee_fen=fee_fen)
            Category.objects.filter(pk=category.pk).update(has_tiers=True)
            category.has_tiers = True
            transaction.on_commit(signup_cache_clear)  # the sign-up's cached category (other processes: 2 s)
            return tier
    except IntegrityError as exc:
        raise ServiceError(_("This category already has a price starting at that time."), ExtrasCode.TIER,
                           field="starts_at") from exc


@transaction.atomic
def tier_delete(*, event: Event, tier_id: int) -> int:
    tier = PriceTier.objects.filter(pk=tier_id, category__event=event).first()
    if tier is None:
        return 0
    tier.delete()
    Category.objects.filter(pk=tier.category_id).update(has_tiers=PriceTier.objects.filter(
        category_id=tier.category_id).exists())
    transaction.on_commit(signup_cache_clear)
    return 1


def coupon_create(*, event: Event, code: str, kind: str, value: int, uses_allowed: int, per_rider: int = 1,
                  valid_from: datetime.datetime | None = None, valid_until: datetime.datetime | None = None,
                  categories: Iterable[Category] = ()) -> Coupon:
    code = typed_code(code)
    categories = list(categories)
    if not code:
        raise ServiceError(_("Give the coupon a code."), ExtrasCode.COUPON, field="code")
    if kind == Coupon.Kind.PERCENT and not 1 <= value <= 100:
        raise ServiceError(_("A percentage is between 1 and 100."), ExtrasCode.COUPON, field="value")
    if value <= 0 or uses_allowed <= 0 or per_rider <= 0:
        raise ServiceError(_("The discount, the uses and the uses per rider must be above zero."), ExtrasCode.COUPON)
    if valid_from and valid_until and valid_until <= valid_from:
        raise ServiceError(_("The coupon must end after it starts."), ExtrasCode.COUPON, field="valid_until")
    if any(c.event_id != event.pk for c in categories):
        raise ServiceError(_("This event has no such category."), RegistrationCode.NO_CATEGORY, field="categories")
    if event.entry_codes.filter(code=code).exists():
        raise ServiceError(_("An entry code of this event already reads so: choose another code."),
                           ExtrasCode.COUPON, field="code")
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(event=event, code=code, kind=kind, value=value, uses_allowed=uses_allowed,
                                           per_rider=per_rider, valid_from=valid_from, valid_until=valid_until)
            coupon.categories.set(categories)
    except IntegrityError as exc:
        raise ServiceError(_("This event already has a coupon with this code."), ExtrasCode.COUPON,
                           field="code") from exc
    return coupon


def coupon_delete(*, event: Event, coupon_id: int) -> int:
    """A coupon nobody has used goes; a used one stays (its entries name it), its limit can be ended."""
    coupon = Coupon.objects.filter(pk=coupon_id, event=event).first()
    if coupon is None:
        return 0
    if coupon.registrations.exists():
        Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now())
        return 0
    return coupon.delete()[0]


def coupon_for(*, event: Event, category: Category, rider: Any, code: str,
               now: datetime.datetime | None = None) -> Coupon:
    """The coupon a rider typed, checked (without locks: the sign-up checks its limits again under
    the coupon's lock): its dates, categories and limits."""
    now = now or timezone.now()
    coupon = Coupon.objects.filter(event=event, code=typed_code(code)).prefetch_related("categories").first()
    if coupon is None:
        raise ServiceError(_("This coupon code is not valid for this event."), RegistrationCode.COUPON, field="coupon")
    if (coupon.valid_from and now < coupon.valid_from) or (coupon.valid_until and now >= coupon.valid_until):
        raise ServiceError(_("This coupon is not valid now."), RegistrationCode.COUPON, field="coupon")
    allowed = {c.pk for c in coupon.categories.all()}
    if allowed and category.pk not in allowed:
        raise ServiceError(_("This coupon is not valid for this category."), RegistrationCode.COUPON, field="coupon")
    _coupon_limits(coupon, rider.pk)
    return coupon


def _coupon_limits(coupon: Coupon, rider_id: int, *, excluding: int | None = None) -> None:
    uses, mine = coupon_counts(coupon, rider_id=rider_id, excluding=excluding)
    if uses >= coupon.uses_allowed:
        raise ServiceError(_("This coupon has been used up."), RegistrationCode.COUPON, field="coupon")
    if mine >= coupon.per_rider:
        raise ServiceError(_("You have used this coupon as many times as it allows."), RegistrationCode.COUPON,
                           field="coupon")


def addon_create(*, event: Event, name: str, price_fen: int, variants: list[tuple[str, int]], name_en: str = "",
                 categories: Iterable[Category] = (), required_in: Iterable[Category] = (),
                 change_until: datetime.datetime | None = None) -> AddOn:
    """An add-on with its sizes and their stock; required in some first-come categories."""
    categories, required_in = list(categories), list(required_in)
    labels = [label.strip() for label, _stock in variants]
    if not variants or any(not label for label in labels):
        raise ServiceError(_("Give every size or kind a name."), ExtrasCode.ADDON, field="variants")
    if len(set(labels)) != len(labels):
        raise ServiceError(_("Two sizes have the same name."), ExtrasCode.ADDON, field="variants")
    if any(c.event_id != event.pk for c in [*categories, *required_in]):
        raise ServiceError(_("This event has no such category."), RegistrationCode.NO_CATEGORY, field="categories")
    if any(c.mode == Category.Mode.BALLOT for c in required_in):
        raise ServiceError(_("An add-on cannot be required in a ballot category (its places are drawn)."),
                           ExtrasCode.ADDON, field="required_in")
    if categories and any(c not in categories for c in required_in):
        raise ServiceError(_("An add-on is required only where it is offered."), ExtrasCode.ADDON,
                           field="required_in")
    with transaction.atomic():
        addon = AddOn.objects.create(event=event, name=name.strip(), name_en=name_en.strip(), price_fen=price_fen,
                                     change_until=change_until, position=event.addons.count())
        AddOnVariant.objects.bulk_create([AddOnVariant(addon=addon, label=label, stock=stock, position=i)
                                          for i, (label, (_l, stock)) in enumerate(zip(labels, variants, strict=True))])
        addon.categories.set(categories)
        addon.required_in.set(required_in)
        Category.objects.filter(pk__in=[c.pk for c in required_in]).update(addons_required=True)
        for category in required_in:
            category.addons_required = True
        transaction.on_commit(signup_cache_clear)
    return addon


@transaction.atomic
def variant_stock_set(*, event: Event, variant_id: int, stock: int) -> AddOnVariant:
    """More or less stock for a size, never below what entries hold."""
    variant = AddOnVariant.objects.select_for_update().filter(pk=variant_id, addon__event=event).first()
    if variant is None:
        raise ServiceError(_("This add-on is not this event's."), ExtrasCode.ADDON)
    taken = variants_taken([variant.pk]).get(variant.pk, 0)
    if stock < taken:
        raise ServiceError(_("%(taken)s entries hold this size already: the stock cannot be lower.")
                           % {"taken": taken}, ExtrasCode.STOCK, field="stock")
    variant.stock = stock
    variant.save(update_fields=["stock"])
    return variant


def items_chosen(*, event: Event, category: Category, chosen: dict[int, int],
                 required: bool = True) -> list[tuple[AddOn, AddOnVariant]]:
    """The sizes a rider chose ({add-on id: variant id}), checked: offered in the category, and one
    of every add-on the category requires (no row read when none was chosen and none is required)."""
    if not chosen and not (required and category.addons_required):
        return []
    addons = {a.pk: a for a in AddOn.objects.filter(event=event).prefetch_related("variants", "categories",
                                                                                   "required_in")}
    picked = []
    for addon_id, variant_id in chosen.items():
        addon = addons.get(addon_id)
        if addon is None:
            raise ServiceError(_("This add-on is not this event's."), RegistrationCode.ADDON)
        offered = {c.pk for c in addon.categories.all()}
        if offered and category.pk not in offered:
            raise ServiceError(_("%(addon)s is not offered in this category.") % {"addon": localized(addon, "name")},
                               RegistrationCode.ADDON, field=f"addon_{addon.pk}")
        variant = next((v for v in addon.variants.all() if v.pk == variant_id), None)
        if variant is None:
            raise ServiceError(_("Choose one of the sizes offered."), RegistrationCode.ADDON, field=f"addon_{addon.pk}")
        picked.append((addon, variant))
    for addon in addons.values() if required else ():
        if addon.pk not in chosen and category.pk in {c.pk for c in addon.required_in.all()}:
            raise ServiceError(_("%(addon)s is required in this category: choose a size.")
                               % {"addon": localized(addon, "name")}, RegistrationCode.ADDON, field=f"addon_{addon.pk}")
    if picked and category.mode == Category.Mode.BALLOT:
        raise ServiceError(_("Add-ons are not sold with ballot entries."), RegistrationCode.ADDON)
    return picked


def _variants_lock(variant_ids: list[int], *, holding: dict[int, int] | None = None) -> None:
    """Lock the variants (lowest id first) and refuse any with no stock left for one more."""
    ids = sorted(set(variant_ids))
    locked = {v.pk: v for v in AddOnVariant.objects.select_for_update().filter(pk__in=ids).select_related("addon")
              .order_by("pk")}
    taken = variants_taken(ids)
    for pk in ids:
        variant = locked[pk]
        if taken.get(pk, 0) - (holding or {}).get(pk, 0) + variant_ids.count(pk) > variant.stock:
            raise ServiceError(_("%(addon)s in %(size)s is sold out.")
                               % {"addon": localized(variant.addon, "name"), "size": variant.label},
                               RegistrationCode.SOLD_OUT, field=f"addon_{variant.addon_id}")


def extras_take(*, registration: Registration, coupon: Coupon | None,
                picked: list[tuple[AddOn, AddOnVariant]]) -> None:
    """In the sign-up's transaction, after its seat claim (the category is locked): the coupon's
    limits checked again under its lock, then each size's stock under theirs, then the items."""
    if coupon is not None:
        coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
        _coupon_limits(coupon, registration.rider_id, excluding=registration.pk)
    if not picked:
        items_known(registration, [])
        return
    _variants_lock([variant.pk for _addon, variant in picked])
    items = EntryItem.objects.bulk_create([EntryItem(registration=registration, addon=addon, variant=variant,
                                                     price_fen=addon.price_fen) for addon, variant in picked])
    items_known(registration, items)


def items_known(registration: Registration, items: list[EntryItem]) -> None:
    """Tell the registration object the items it holds, as prefetch_related would: the order's lines
    (events.selectors.extras.entry_lines) read them without a query in the sign-up's hot path."""
    known = EntryItem.objects.filter(registration=registration) if items else EntryItem.objects.none()
    known._result_cache, known._prefetch_done = list(items), True  # type: ignore[attr-defined]
    registration._prefetched_objects_cache = {"items": known}  # type: ignore[attr-defined]


def item_change(*, registration: Registration, addon_id: int, variant_id: int, by: Any) -> EntryItem:
    """A rider changes the size of an add-on they bought, until the add-on's deadline (same price)."""
    with transaction.atomic():
        registration = lock_seat(registration)
        item = (EntryItem.objects.select_for_update().select_related("addon", "variant")
                .filter(registration=registration, addon_id=addon_id, refunded_at__isnull=True).first())
        if item is None or registration.status not in HOLDING:
            raise ServiceError(_("This entry has no such add-on."), ExtrasCode.ITEM)
        if item.addon.change_until is not None and timezone.now() > item.addon.change_until:
            raise ServiceError(_("Sizes can no longer be changed."), ExtrasCode.ITEM)
        variant = item.addon.variants.filter(pk=variant_id).first()
        if variant is None:
            raise ServiceError(_("Choose one of the sizes offered."), ExtrasCode.ITEM, field="variant")
        if variant.pk == item.variant_id:
            return item
        _variants_lock([variant.pk])
        item.variant = variant
        item.save(update_fields=["variant"])
        description, description_en = item_description(item)  # the receipt says the size handed out
        payments_port.seat_money.line_described(registration=registration, kind="addon", subject_id=item.pk,
                                                description=description, description_en=description_en)
        return item


UNPAID = (Registration.Status.AWAITING, Registration.Status.WAITLISTED)  # nothing paid for the seat yet


def _changeable(addon: AddOn) -> None:
    if addon.change_until is not None and timezone.now() > addon.change_until:
        raise ServiceError(_("Add-ons can no longer be changed."), ExtrasCode.ITEM)


def item_add(*, registration: Registration, addon_id: int, variant_id: int, by: Any) -> EntryItem:
    """A rider adds an add-on to an entry not paid yet (held for payment, or waiting for a seat),
    until the add-on's deadline: stock permitting; the unpaid order is made again with it."""
    with transaction.atomic():
        registration = lock_seat(registration)
        if registration.status not in UNPAID:
            raise ServiceError(_("Add-ons are added before paying: ask the organizer for one now."), ExtrasCode.ITEM)
        addon = AddOn.objects.filter(pk=addon_id, event_id=registration.event_id).first()
        if addon is None:
            raise ServiceError(_("This add-on is not this event's."), ExtrasCode.ITEM)
        _changeable(addon)
        [(addon, variant)] = items_chosen(event=registration.event, category=registration.category,
                                          chosen={addon.pk: variant_id}, required=False)
        if registration.items.filter(addon=addon, refunded_at__isnull=True).exists():
            raise ServiceError(_("This entry has this add-on already: change its size instead."), ExtrasCode.ITEM)
        _variants_lock([variant.pk])
        item = EntryItem.objects.create(registration=registration, addon=addon, variant=variant,
                                        price_fen=addon.price_fen)
        _repriced(registration, by=by)
        return item


def item_remove(*, registration: Registration, addon_id: int, by: Any) -> None:
    """A rider removes an optional add-on from an entry not paid yet, until its deadline."""
    with transaction.atomic():
        registration = lock_seat(registration)
        item = (EntryItem.objects.select_for_update().select_related("addon")
                .filter(registration=registration, addon_id=addon_id, refunded_at__isnull=True).first())
        if item is None:
            raise ServiceError(_("This entry has no such add-on."), ExtrasCode.ITEM)
        if registration.status not in UNPAID:
            raise ServiceError(_("This entry is paid: ask the organizer to take the add-on back."), ExtrasCode.ITEM)
        _changeable(item.addon)
        if item.addon.required_in.filter(pk=registration.category_id).exists():
            raise ServiceError(_("%(addon)s is required in this category: change its size instead.")
                               % {"addon": localized(item.addon, "name")}, ExtrasCode.ITEM)
        item.delete()
        _repriced(registration, by=by)


def _repriced(registration: Registration, *, by: Any) -> None:
    """An unpaid seat's order made again for its new price (a waiting entry has none yet). A seat that
    now costs no more than was paid is confirmed, as a switch confirms one: an add-on taken back
    from an entry switched to a free category left it waiting for a payment of nothing, to lapse at
    its deadline (found by the lifecycle machine)."""
    if registration.status != Registration.Status.AWAITING:
        return
    price = entry_total_fen(registration)
    if price <= payments_port.seat_money.paid_fen(registration=registration):
        registration.confirmed_at, registration.hold_expires_at = timezone.now(), None
        registration_move(registration, Registration.Status.CONFIRMED, by=by, why="nothing left to pay",
                          fields=["confirmed_at", "hold_expires_at"])
        mail_on_commit(registration.pk, registration.status)
    payments_port.seat_money.seat_repriced(registration=registration, price_fen=price)


def item_refund(*, registration: Registration, item_id: int, by: Any) -> int:
    """The organizer takes one add-on back (out of stock, not wanted): its size goes back to stock
    and its price back to the rider (a paid line is refunded alone; an unpaid order is made again
    without it). Returns the fen refunded."""
    with transaction.atomic():
        registration = lock_seat(registration)
        item = EntryItem.objects.select_for_update().filter(pk=item_id, registration=registration,
                                                            refunded_at__isnull=True).first()
        if item is None:
            raise ServiceError(_("This entry has no such add-on."), ExtrasCode.ITEM)
        item.refunded_at = timezone.now()
        item.save(update_fields=["refunded_at"])
        if registration.status == Registration.Status.AWAITING:
            _repriced(registration, by=by)
            return 0
        return payments_port.seat_money.line_refunded(registration=registration, kind="addon", subject_id=item.pk,
                                                      amount_fen=item.price_fen, by=by) or 0
