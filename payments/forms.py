"""Forms of the payments pages: the event's payment settings, an organizer's refund, a fapiao
request."""

from __future__ import annotations

import decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from payments import providers
from payments.models import EventPayment, FapiaoRequest, Order

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PaymentSettingsForm(forms.ModelForm):
    providers = forms.MultipleChoiceField(label=_("Payment methods offered"), required=False,
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text=_("None ticked: every method switched on for the site."))

    class Meta:
        model = EventPayment
        fields = ["providers", "refund_full_until", "refund_part_until", "refund_part_percent"]
        widgets = {"refund_full_until": DATETIME, "refund_part_until": DATETIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["providers"].choices = [(code, providers.label(code)) for code in providers.configured()]
        self.fields["refund_part_percent"].widget.attrs.update({"min": 0, "max": 100, "inputmode": "numeric"})

    def clean_refund_part_percent(self) -> int:
        value = self.cleaned_data["refund_part_percent"]
        if value > 100:
            raise forms.ValidationError(_("A percentage is at most 100."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        full, part = data.get("refund_full_until"), data.get("refund_part_until")
        if full and part and part < full:
            self.add_error("refund_part_until", _("The partial refund ends after the full refund, not before."))
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (¥)"), min_value=decimal.Decimal("0.01"), decimal_places=2,
                                max_digits=9)
    withdraw = forms.BooleanField(label=_("Also withdraw the entry (the seat goes to the waitlist)"),
                                  required=False)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order

    def clean(self) -> dict:
        data = super().clean()
        if data.get("amount") is not None:
            data["amount_fen"] = int(data["amount"] * 100)
        return data


class FapiaoForm(forms.ModelForm):
    class Meta:
        model = FapiaoRequest
        fields = ["title", "taxpayer_id", "email"]
        help_texts = {"title": _("A person's name, or the company's full name."),
                      "taxpayer_id": _("Companies: the unified social credit code (18 characters). People: leave "
                                       "empty.")}
