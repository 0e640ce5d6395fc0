"""Insights forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Event
from industry.models import Brand, SalesRecord, Sponsorship


class SalesImportForm(forms.Form):
    file = forms.FileField(label=_("sales CSV file"))


class HeatImportForm(forms.Form):
    file = forms.FileField(label=_("topic heat CSV file"))


class LinkageForm(forms.Form):
    events = forms.ModelMultipleChoiceField(label=_("event or series"), queryset=Event.objects.none())
    months = forms.IntegerField(label=_("months before and after"), min_value=1, max_value=24, initial=6)
    brand = forms.ModelChoiceField(label=_("sponsor"), queryset=Brand.objects.filter(sponsorships__isnull=False)
                                   .distinct(), required=False, empty_label=_("every sponsor"))
    channel = forms.ChoiceField(label=_("sales channel for the month-by-month table"), required=False,
                                choices=[("all", _("All channels")), *SalesRecord.Channel.choices], initial="all")

    def __init__(self, *args, events=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].queryset = events if events is not None else Event.objects.none()


class BrandMonthsForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("brand"), queryset=Brand.objects.none())
    channel = forms.ChoiceField(label=_("channel"), required=False, initial="all",
                                choices=[("all", _("All channels")), *SalesRecord.Channel.choices])

    def __init__(self, *args, brands=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands if brands is not None else Brand.objects.none()


class SponsorshipForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("brand"), queryset=Brand.objects.all())
    tier = forms.ChoiceField(label=_("tier"), choices=Sponsorship.Tier.choices, required=False)
    remove = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("remove") and not cleaned.get("tier"):
            self.add_error("tier", _("Choose a tier."))
        return cleaned
