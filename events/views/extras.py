"""What an entry includes (issue 30): the organizer's extras page (price tiers, coupons, add-ons and
their stock, insurance and the insurer's list, documents to check, an add-on taken back), the
race-day pick-up list, a rider's document upload and download, and the event's share image."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import money
from core.csv import csv_response
from core.errors import ServiceError
from core.i18n import localized
from core.parse import whole_number
from core.views import shown_on
from events import share
from events.extras_forms import (
    AddOnForm,
    CouponForm,
    DocumentForm,
    InsuranceForm,
    InsuranceImportForm,
    ReviewForm,
    StockForm,
    TierForm,
)
from events.models import Event
from events.selectors import event_for_organizer, event_get, is_organizer, roster_registration
from events.selectors.extras import (
    addons_offered,
    coupons_of,
    document_to_read,
    documents_of,
    pickup_list,
    share_data,
    tiers_of,
    variant_counts,
)
from events.services import documents as document_services
from events.services import extras as extras_services
from events.services.errors import ExtrasCode
from events.views.common import posted_id

INSURANCE_FILE_MAX = 2 * 1024 * 1024


@login_required
def extras_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The organizer's page of what entries include; a POST goes to the action it names."""
    event = event_for_organizer(slug=slug, user=request.user)
    forms = {"tier_form": TierForm(event=event), "coupon_form": CouponForm(event=event),
             "addon_form": AddOnForm(event=event), "insurance_import_form": InsuranceImportForm(),
             "insurance_form": InsuranceForm(initial={"insurer": event.insurer, "policy": event.insurance_policy,
                                                      "price_cny": event.insurance_fen,
                                                      "own_allowed": event.own_insurance_allowed})}
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return redirect("events:extras", slug=event.slug)
        bound = action(request, event)
        if bound is None and request.POST.get("action") == "item_refund":  # from the seat's history page
            return redirect("events:history", slug=event.slug, pk=whole_number(request.POST.get("registration", "")))
        if bound is None:
            return redirect("events:extras", slug=event.slug)
        forms.update(bound)  # the form with its errors, shown again
    return render(request, "events/extras.html", {
        "event": event, **forms, "tiers": tiers_of(event), "coupons": coupons_of(event),
        "addons": addons_offered(event), "documents": documents_of(event=event)[:200],
        "review_form": ReviewForm(), "counts": variant_counts(event),
    })


def _tier_add(request: HttpRequest, event: Event) -> dict | None:
    form = TierForm(request.POST, event=event)
    if form.is_valid():
        data = form.cleaned_data
        with shown_on(form) as outcome:
            extras_services.tier_add(event=event, category=data["category"], name=data["name"],
                                     name_en=data["name_en"], starts_at=data["starts_at"], fee_fen=data["fee_cny"])
        if outcome.ok:
            messages.success(request, _("The price is set."))
            return None
    return {"tier_form": form}


def _tier_delete(request: HttpRequest, event: Event) -> None:
    extras_services.tier_delete(event=event, tier_id=posted_id(request, "tier"))
    messages.success(request, _("The price is removed."))


def _coupon_add(request: HttpRequest, event: Event) -> dict | None:
    form = CouponForm(request.POST, event=event)
    if form.is_valid():
        with shown_on(form) as outcome:
            coupon = extras_services.coupon_create(event=event, **form.spec())
        if outcome.ok:
            messages.success(request, _("Coupon %(code)s is ready.") % {"code": coupon.code})
            return None
    return {"coupon_form": form}


def _coupon_end(request: HttpRequest, event: Event) -> None:
    gone = extras_services.coupon_delete(event=event, coupon_id=posted_id(request, "coupon"))
    messages.success(request, _("The coupon is deleted.") if gone else _("The coupon was used: it is ended, "
                                                                          "its entries keep their discount."))


def _addon_add(request: HttpRequest, event: Event) -> dict | None:
    form = AddOnForm(request.POST, event=event)
    if form.is_valid():
        with shown_on(form) as outcome:
            addon = extras_services.addon_create(event=event, **form.spec())
        if outcome.ok:
            messages.success(request, _("%(name)s is offered.") % {"name": localized(addon, "name")})
            return None
    return {"addon_form": form}


def _stock(request: HttpRequest, event: Event) -> None:
    form = StockForm(request.POST)
    if form.is_valid():
        with shown_on(request) as outcome:
            extras_services.variant_stock_set(event=event, variant_id=form.cleaned_data["variant"],
                                              stock=form.cleaned_data["stock"])
        if outcome.ok:
            messages.success(request, _("The stock is changed."))


def _insurance(request: HttpRequest, event: Event) -> dict | None:
    form = InsuranceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        document_services.insurance_update(event=event, insurer=data["insurer"], policy=data["policy"],
                                           price_fen=data["price_cny"] or 0, own_allowed=data["own_allowed"])
        messages.success(request, _("The insurance is saved."))
        return None
    return {"insurance_form": form}


def _insurance_import(request: HttpRequest, event: Event) -> dict | None:
    form = InsuranceImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with shown_on(form) as outcome:
            if upload.size > INSURANCE_FILE_MAX:
                raise ServiceError(_("The file is larger than 2 MB."), ExtrasCode.INSURANCE_FILE, field="file")
            text = _text_of(upload.read())
            count = document_services.insurance_import(event=event, text=text)
        if outcome.ok:
            messages.success(request, _("%(n)s certificate numbers imported.") % {"n": count})
            return None
    return {"insurance_import_form": form}


def _text_of(raw: bytes) -> str:
    """A CSV's text: UTF-8, or GB18030 (Excel's CSV on a Chinese Windows)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(_("The file is not a text CSV (UTF-8 or GB18030)."), ExtrasCode.INSURANCE_FILE, field="file")


def _review(request: HttpRequest, event: Event) -> None:
    form = ReviewForm(request.POST)
    if form.is_valid():
        approve = request.POST.get("decision") == "approve"
        with shown_on(request) as outcome:
            document_services.document_review(event=event, document_id=form.cleaned_data["document"],
                                              approve=approve, reason=form.cleaned_data["reason"], by=request.user)
        if outcome.ok:
            messages.success(request, _("Approved: the rider is told.") if approve
                             else _("Refused: the rider is told why."))


def _item_refund(request: HttpRequest, event: Event) -> None:
    registration = roster_registration(event=event, registration_id=whole_number(request.POST.get("registration", ""))
                                       or 0)
    with shown_on(request) as outcome:
        amount = extras_services.item_refund(registration=registration,
                                             item_id=posted_id(request, "item"), by=request.user)
    if outcome.ok:
        messages.success(request, _("The add-on is taken back; ¥%(amount)s goes back to the rider.")
                         % {"amount": money.yuan(amount)})


ACTIONS: dict[str, Callable[[HttpRequest, Event], dict | None]] = {
    "tier": _tier_add, "tier_delete": _tier_delete, "coupon": _coupon_add, "coupon_end": _coupon_end,
    "addon": _addon_add, "stock": _stock, "insurance": _insurance, "insurance_import": _insurance_import,
    "review": _review, "item_refund": _item_refund,
}


@login_required
def pickup_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Race day's pick-up list: every add-on to hand out, by add-on and size, then bib."""
    event = event_for_organizer(slug=slug, user=request.user)
    header = [_("add-on"), _("size"), _("bib"), _("rider"), _("category"), _("registration")]
    rows = ([localized(item.addon, "name"), item.variant.label, item.registration.bib or "",
             item.registration.rider.real_name or item.registration.rider.public_name,
             localized(item.registration.category, "name"), item.registration_id]
            for item in pickup_list(event).iterator(chunk_size=500))
    return csv_response(f"{event.pk}-pickup", header, rows)


@login_required
@require_POST
def document_upload(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_get(slug=slug, user=request.user)
    form = DocumentForm(request.POST, request.FILES, kinds=document_services.document_kinds(event))
    if form.is_valid():
        with shown_on(request) as outcome:
            document_services.document_upload(event=event, rider=request.user, kind=form.cleaned_data["kind"],
                                              upload=form.cleaned_data["file"])
        if outcome.ok:
            messages.success(request, _("Sent: the organizer checks it and you are told by SMS or e-mail."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('events:detail', args=[event.slug])}#documents")


@login_required
def document_file(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A document, to its rider and the event's organizers only, always as a download."""
    event = event_get(slug=slug, user=request.user)
    document = document_to_read(event=event, document_id=pk, user=request.user,
                                organizer=is_organizer(user=request.user, event=event))
    if document is None:
        raise Http404
    with document.file.open("rb") as handle:
        body = handle.read()
    extension = document.file.name.rsplit(".", 1)[-1]
    response = HttpResponse(body, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.kind}-{document.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def share_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's share image (Open Graph), drawn on request; caches keep it an hour."""
    event = event_get(slug=slug, user=request.user)
    categories, profile, fee = share_data(event)
    response = HttpResponse(share.share_png(event, categories, profile, fee), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response
