"""Forms of what an entry includes (issue 30): the organizer's price tiers, coupons, add-ons and
insurance; a rider's document and the organizer's review of it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import localized
from core.money import YuanField
from events.models import Category, Coupon, EntryDocument, Event

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _categories(field: forms.ModelChoiceField | forms.ModelMultipleChoiceField, event: Event) -> None:
    field.queryset = event.categories.all()
    field.label_from_instance = lambda c: localized(c, "name")


class TierForm(forms.Form):
    category = forms.ModelChoiceField(label=pgettext_lazy("event category", "category"),
                                      queryset=Category.objects.none(), empty_label=None)
    name = forms.CharField(label=_("name (Chinese), e.g. 常规价"), max_length=40)
    name_en = forms.CharField(label=_("name (English), e.g. Regular"), max_length=40, required=False)
    starts_at = forms.DateTimeField(label=_("from"), widget=DATETIME)
    fee_cny = YuanField(label=_("fee (CNY)"))

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _categories(self.fields["category"], event)


class CouponForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=24)
    kind = forms.ChoiceField(label=_("discount"), choices=Coupon.Kind.choices)
    value = forms.DecimalField(label=_("amount off (CNY) or percentage off"), min_value=0, max_digits=8,
                               decimal_places=2)
    uses_allowed = forms.IntegerField(label=_("entries in all"), min_value=1, max_value=100_000, initial=100)
    per_rider = forms.IntegerField(label=_("entries per rider"), min_value=1, max_value=10, initial=1)
    valid_from = forms.DateTimeField(label=_("valid from"), widget=DATETIME, required=False)
    valid_until = forms.DateTimeField(label=_("valid until"), widget=DATETIME, required=False)
    categories = forms.ModelMultipleChoiceField(label=_("categories (none ticked: every one)"),
                                                queryset=Category.objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _categories(self.fields["categories"], event)

    def spec(self) -> dict:
        data = dict(self.cleaned_data)
        value = data.pop("value")
        data["value"] = int(value * 100) if data["kind"] == Coupon.Kind.FIXED else int(value)
        return data


class AddOnForm(forms.Form):
    name = forms.CharField(label=_("name (Chinese), e.g. 骑行服"), max_length=60)
    name_en = forms.CharField(label=_("name (English), e.g. Jersey"), max_length=60, required=False)
    price_cny = YuanField(label=_("price (CNY)"), required=False)
    variants = forms.CharField(label=_("sizes or kinds with their stock, e.g. S:50, M:80, L:80"), max_length=500)
    categories = forms.ModelMultipleChoiceField(label=_("offered in (none ticked: every category)"),
                                                queryset=Category.objects.none(), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    required_in = forms.ModelMultipleChoiceField(label=_("required in"), queryset=Category.objects.none(),
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    change_until = forms.DateTimeField(label=_("riders may change the size until"), widget=DATETIME, required=False)

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _categories(self.fields["categories"], event)
        _categories(self.fields["required_in"], event)

    def clean_variants(self) -> list[tuple[str, int]]:
        parsed = []
        for part in self.cleaned_data["variants"].replace("，", ",").replace("：", ":").split(","):
            if not part.strip():
                continue
            label, _sep, stock = part.rpartition(":")
            if not label.strip() or not stock.strip().isdigit():
                raise forms.ValidationError(_("Write each size as name:stock, e.g. M:80."))
            parsed.append((label.strip()[:20], int(stock)))
        if not parsed:
            raise forms.ValidationError(_("Write each size as name:stock, e.g. M:80."))
        return parsed

    def spec(self) -> dict:
        data = dict(self.cleaned_data)
        data["price_fen"] = data.pop("price_cny") or 0
        return data


class StockForm(forms.Form):
    variant = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    stock = forms.IntegerField(label=_("stock"), min_value=0, max_value=100_000)


class InsuranceForm(forms.Form):
    insurer = forms.CharField(label=_("insurer"), max_length=120, required=False)
    policy = forms.CharField(label=_("insurance policy number"), max_length=60, required=False)
    price_cny = YuanField(label=_("insurance price per rider (CNY), 0: included in the fee"), required=False)
    own_allowed = forms.BooleanField(label=_("riders may bring their own insurance (certificate checked)"),
                                     required=False)


class InsuranceImportForm(forms.Form):
    file = forms.FileField(label=_("The insurer's list (CSV: national ID number, certificate number)"))


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("document"), choices=EntryDocument.Kind.choices)
    file = forms.FileField(label=_("file (PDF, JPEG or PNG, 5 MB at most)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, kinds: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in EntryDocument.Kind.choices if k in kinds]


class ReviewForm(forms.Form):
    document = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason (when refused)"), max_length=200, required=False)
