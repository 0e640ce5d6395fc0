"""Reads for what an entry includes (issue 30): the fee in force (price tiers) and the next change,
the lines an entry's order is made of, add-ons with what is left of each size, coupons' uses, the
documents a rider has had approved, and the race-day pick-up list per size."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.i18n import localized
from events.models import (
    AddOn,
    AddOnVariant,
    Category,
    Coupon,
    EntryDocument,
    EntryItem,
    Event,
    PriceTier,
    Registration,
)

# entries whose add-ons take stock and whose coupon counts as used (an unpaid hold that lapsed, a
# withdrawal or a lost ballot gives them back)
HOLDING = Registration.ACTIVE


@dataclass(frozen=True)
class Fee:
    fee_fen: int
    name: str  # the tier's name ("" before the first tier)
    next_fee_fen: int | None = None
    next_at: datetime.datetime | None = None
    next_name: str = ""


def fee_in_force(category: Category, at: datetime.datetime | None = None,
                 tiers: list[PriceTier] | None = None) -> Fee:
    """The category's entry fee at `at` (now): the last tier started by then, else the category's
    own fee; with the next change, when one is set."""
    at = at or timezone.now()
    if tiers is None:
        if not category.has_tiers:  # no row to read (the sign-up's hot path)
            return Fee(category.fee_fen, "")
        tiers = list(category.tiers.all())
    current, following = None, None
    for tier in sorted(tiers, key=lambda t: t.starts_at):
        if tier.starts_at <= at:
            current = tier
        elif following is None:
            following = tier
    fee = Fee(current.fee_fen, localized(current, "name")) if current else Fee(category.fee_fen, "")
    if following is None:
        return fee
    return Fee(fee.fee_fen, fee.name, following.fee_fen, following.starts_at, localized(following, "name"))


def seat_fee_fen(registration: Registration) -> int:
    """The entry fee of a seat: an entry code's price in the code's own category, else the fee in
    force when the seat was claimed (kept on the registration), else the fee in force now."""
    code = registration.entry_code
    if code is not None and code.category_id == registration.category_id and code.price_fen is not None:
        return code.price_fen
    if registration.price_fen is not None:
        return registration.price_fen
    return fee_in_force(registration.category).fee_fen


@dataclass(frozen=True)
class Line:
    kind: str  # payments' OrderLine.Kind values: entry, addon, discount, insurance
    description: str
    description_en: str
    amount_fen: int
    subject_id: int | None = None


def entry_lines(registration: Registration, *, items: list[EntryItem] | None = None) -> list[Line]:
    """What the entry costs, line by line: the fee, the coupon's discount, each add-on, the insurance.
    `items`: the add-ons bought, when the caller knows them (a seat about to be written has no rows
    to read them from); else the registration's, read."""
    event, category = registration.event, registration.category
    fee = seat_fee_fen(registration)
    lines = [Line("entry", f"{event.title} · {category.name}"[:120],
                  f"{event.title_en or event.title} · {category.name_en or category.name}"[:120], fee)]
    discount = min(registration.discount_fen, fee)
    if discount and registration.coupon_id:
        code = registration.coupon.code if registration.coupon else ""
        lines.append(Line("discount", f"优惠券 {code}", f"Coupon {code}", -discount, registration.coupon_id))
    if items is None:
        items = [i for i in registration.items.all() if i.refunded_at is None]  # prefetched by a sign-up
    for item in sorted(items, key=lambda i: (i.addon.position, i.pk)):
        lines.append(Line("addon", *item_description(item), item.price_fen, item.pk))
    if insurance_fen(event, registration.insurance):
        lines.append(Line("insurance", f"保险 · {event.insurer or event.title}"[:120],
                          f"Insurance · {event.insurer or event.title}"[:120], event.insurance_fen))
    return lines


def insurance_fen(event: Event, cover: str) -> int:
    """What the insurance adds to an entry: the event's price when bought with it, else nothing."""
    return event.insurance_fen if cover == "event" else 0


def new_entry_fen(*, event: Event, fee_fen: int, discount_fen: int = 0, addons: Iterable[AddOn] = (),
                  cover: str = "") -> int:
    """What an entry about to be made costs in all: the sum entry_lines makes of it once it exists."""
    return fee_fen - min(discount_fen, fee_fen) + sum(addon.price_fen for addon in addons) + insurance_fen(event, cover)


def item_description(item: EntryItem) -> tuple[str, str]:
    """An add-on's order line, in Chinese and in English: its name and size."""
    return (f"{item.addon.name} · {item.variant.label}"[:120],
            f"{item.addon.name_en or item.addon.name} · {item.variant.label}"[:120])


def entry_total_fen(registration: Registration) -> int:
    return sum(line.amount_fen for line in entry_lines(registration))


def extras_fen(registration: Registration) -> int:
    """What an entry costs beyond its fee (add-ons and insurance, less the discount): kept when the
    rider switches category."""
    return sum(line.amount_fen for line in entry_lines(registration) if line.kind != "entry")


def variants_taken(variant_ids: list[int]) -> dict[int, int]:
    """How many of each variant entries hold (active entries, items not refunded): one query."""
    rows = (EntryItem.objects.filter(variant_id__in=variant_ids, refunded_at__isnull=True,
                                     registration__status__in=HOLDING)
            .values_list("variant_id").annotate(n=Count("pk")))
    return dict(rows)


def addons_offered(event: Event) -> list[AddOn]:
    """The event's add-ons with their variants, each variant's `left` and each add-on's category ids
    (`offered_ids`, empty: every category; `required_ids`): four queries whatever their number."""
    addons = list(AddOn.objects.filter(event=event).prefetch_related("variants", "categories", "required_in"))
    variant_ids = [v.pk for a in addons for v in a.variants.all()]
    taken = variants_taken(variant_ids)
    for addon in addons:
        addon.offered_ids = {c.pk for c in addon.categories.all()}  # type: ignore[attr-defined]
        addon.required_ids = {c.pk for c in addon.required_in.all()}  # type: ignore[attr-defined]
        for variant in addon.variants.all():
            variant.taken = taken.get(variant.pk, 0)  # type: ignore[attr-defined]
            variant.left = max(variant.stock - taken.get(variant.pk, 0), 0)  # type: ignore[attr-defined]
    return addons


def coupon_uses(coupon: Coupon, *, rider_id: int | None = None) -> int:
    """Entries that used the coupon and still count (holding or waiting for a seat, or ever
    confirmed); for one rider when `rider_id` is given."""
    used = Registration.objects.filter(coupon=coupon).filter(Q(status__in=HOLDING) | Q(confirmed_at__isnull=False))
    if rider_id is not None:
        used = used.filter(rider_id=rider_id)
    return used.count()


def coupon_counts(coupon: Coupon, *, rider_id: int, excluding: int | None = None) -> tuple[int, int]:
    """(uses in all, uses by this rider) of the coupon, leaving out the entry `excluding` (the sign-up
    that is checking its own use): one query."""
    used = Registration.objects.filter(coupon=coupon).filter(Q(status__in=HOLDING) | Q(confirmed_at__isnull=False))
    if excluding is not None:
        used = used.exclude(pk=excluding)
    counts = used.aggregate(all=Count("pk"), mine=Count("pk", filter=Q(rider_id=rider_id)))
    return counts["all"], counts["mine"]


def coupons_of(event: Event) -> QuerySet[Coupon]:
    """The event's coupons with their uses counted (one query)."""
    counted = Q(registrations__status__in=HOLDING) | Q(registrations__confirmed_at__isnull=False)
    return (Coupon.objects.filter(event=event).prefetch_related("categories")
            .annotate(used=Count("registrations", filter=counted, distinct=True)))


def document_approved(*, event: Event, rider_id: int, kind: str) -> bool:
    return EntryDocument.objects.filter(event=event, rider_id=rider_id, kind=kind,
                                        status=EntryDocument.Status.APPROVED).exists()


def licence_held(*, rider_id: int) -> bool:
    """Whether the platform knows the rider as a CCA licence holder (a licence approved at any event)."""
    return EntryDocument.objects.filter(rider_id=rider_id, kind=EntryDocument.Kind.LICENCE,
                                        status=EntryDocument.Status.APPROVED).exists()


def documents_of(*, event: Event, rider_id: int | None = None) -> QuerySet[EntryDocument]:
    """An event's documents (one rider's, or every rider's for the organizer), newest first."""
    found = EntryDocument.objects.filter(event=event).select_related("rider", "reviewed_by")
    if rider_id is not None:
        found = found.filter(rider_id=rider_id)
    return found.order_by("-created_at", "-pk")


def pickup_list(event: Event) -> QuerySet[EntryItem]:
    """Every add-on to hand out on race day (seated entries, not refunded), by add-on, size, bib:
    a query to iterate (the pick-up CSV reads it a batch at a time as it streams)."""
    return (EntryItem.objects.filter(registration__event=event, refunded_at__isnull=True,
                                     registration__status__in=Registration.SEATED)
            .select_related("addon", "variant", "registration__rider", "registration__category")
            .order_by("addon__position", "addon_id", "variant__position", "variant_id", "registration__bib",
                      "registration_id"))


def variant_counts(event: Event) -> list[AddOnVariant]:
    """Each variant with how many seated entries hold it (`to_hand_out`) and its stock."""
    return list(AddOnVariant.objects.filter(addon__event=event).select_related("addon")
                .annotate(to_hand_out=Count("items", filter=Q(items__refunded_at__isnull=True,
                                                              items__registration__status__in=Registration.SEATED)))
                .order_by("addon__position", "addon_id", "position", "pk"))


def switch_price_fen(registration: Registration, category: Category, fee_fen: int) -> int:
    """What the entry costs in all once switched to `category` at `fee_fen`: that fee less the
    discount (at most the fee), plus the add-ons and insurance it keeps."""
    kept = [line for line in entry_lines(registration) if line.kind not in ("entry", "discount")]
    return fee_fen - min(registration.discount_fen, fee_fen) + sum(line.amount_fen for line in kept)


def tiers_of(event: Event) -> QuerySet[PriceTier]:
    return PriceTier.objects.filter(category__event=event).select_related("category").order_by("category", "starts_at")


def items_of(registration: Registration) -> list[EntryItem]:
    """The add-ons an entry holds (not refunded), each with its add-on's sizes to change to."""
    return list(registration.items.filter(refunded_at__isnull=True).select_related("addon", "variant")
                .prefetch_related("addon__variants", "addon__required_in").order_by("addon__position", "pk"))


def document_to_read(*, event: Event, document_id: int, user: object, organizer: bool) -> EntryDocument | None:
    """A document its rider or the event's organizers may read (None for anyone else)."""
    found = EntryDocument.objects.filter(pk=document_id, event=event)
    if not organizer:
        found = found.filter(rider_id=getattr(user, "pk", None))
    return found.first()


def share_data(event: Event) -> tuple[list[Category], list[list[float]], int | None]:
    """What the share image shows: the categories with their routes, the first route's profile and
    the lowest entry fee in force."""
    categories = list(event.categories.select_related("route_version").prefetch_related("tiers"))
    version = next((c.route_version for c in categories if c.route_version and c.route_version.profile), None)
    fees = [fee_in_force(c).fee_fen for c in categories]
    return categories, version.profile if version else [], min(fees) if fees else None


def required_addons_missing(registration: Registration, category: Category) -> list[AddOn]:
    """The add-ons `category` requires that the entry does not hold (a switch into it is refused)."""
    held = set(registration.items.filter(refunded_at__isnull=True).values_list("addon_id", flat=True))
    return [addon for addon in category.required_addons.order_by("position", "pk") if addon.pk not in held]
