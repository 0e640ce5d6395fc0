"""The organizer's timing forms (timing/views.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Category, Event
from timing.models import Checkpoint, Ruling, Timing
from timing.services import age_groups

_WHEN = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1}, format="%Y-%m-%dT%H:%M:%S")}


class TimingForm(forms.ModelForm):
    class Meta:
        model = Timing
        fields = ["min_gap_seconds", "rank_by", "age_groups", "tracking", "emergency_phone", "positions_kept_days"]

    def clean_age_groups(self) -> str:
        text = self.cleaned_data["age_groups"]
        parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
        if len(age_groups(text)) != len(parts):
            raise forms.ValidationError(_("Write the age groups as 18-29, 30-39, 40-."))
        return text.replace("，", ",")


class CheckpointForm(forms.Form):
    route_version = forms.TypedChoiceField(label=_("route"), coerce=int)
    name = forms.CharField(label=_("name"), max_length=40)
    kind = forms.ChoiceField(label=_("kind"), choices=Checkpoint.Kind.choices, initial=Checkpoint.Kind.SPLIT)
    distance_km = forms.DecimalField(label=_("distance along the route (km)"), min_value=0, max_value=2000,
                                     decimal_places=2)
    point = forms.CharField(label=_("timing point"), max_length=40, required=False,
                            help_text=Checkpoint._meta.get_field("point").help_text)

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        categories = list(Category.objects.filter(event=event).exclude(route_version=None)
                          .select_related("route_version__route"))
        routes: dict[int, str] = {}
        for category in categories:
            version = category.route_version
            if version is not None:
                label = routes.get(version.pk, f"{version.route.name} v{version.number} —")
                routes[version.pk] = f"{label} {category.name}"
        self.fields["route_version"].choices = list(routes.items())
        self.categories = categories
        for category in categories:  # a closing time per category (关门时间)
            self.fields[f"closes_{category.pk}"] = forms.DateTimeField(
                label=_("closes for %(category)s") % {"category": category.name}, required=False, **_WHEN)

    def spec(self) -> dict:
        data = self.cleaned_data
        riding = [c for c in self.categories if c.route_version_id == data["route_version"]]
        return {"route_version_id": data["route_version"], "name": data["name"], "kind": data["kind"],
                "distance_m": int(data["distance_km"] * 1000), "point": data["point"],
                "closings": {c.pk: data.get(f"closes_{c.pk}") for c in riding}}


class PassingAddForm(forms.Form):
    bib = forms.IntegerField(label=_("bib"), min_value=0, max_value=10**9)
    checkpoint = forms.ModelChoiceField(label=_("checkpoint"), queryset=Checkpoint.objects.none())
    at = forms.DateTimeField(label=_("time"), **_WHEN)
    reason = forms.CharField(label=_("why"), max_length=200)

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = Checkpoint.objects.filter(event=event)


class PassingMoveForm(PassingAddForm):
    passing = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    bib = None  # type: ignore[assignment]


class PassingDeleteForm(forms.Form):
    passing = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("why"), max_length=200)


class RulingForm(forms.Form):
    bib = forms.IntegerField(label=_("bib"), min_value=0, max_value=10**9)
    status = forms.ChoiceField(label=_("status"), choices=[*Ruling.Status.choices, ("lift", _("lift the status"))])
    checkpoint = forms.ModelChoiceField(label=_("where (withdrawn at)"), queryset=Checkpoint.objects.none(),
                                        required=False)
    reason = forms.CharField(label=_("why"), max_length=200)

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = Checkpoint.objects.filter(event=event)


class WithdrawForm(forms.Form):
    """A helper at a checkpoint takes a rider off the course (the broom wagon, an injury)."""

    bib = forms.IntegerField(label=_("bib"), min_value=0, max_value=10**9)
    checkpoint = forms.ModelChoiceField(label=_("at"), queryset=Checkpoint.objects.none())
    reason = forms.CharField(label=_("why"), max_length=200)

    def __init__(self, *args, event: Event, **kwargs) -> None:
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = Checkpoint.objects.filter(event=event)
