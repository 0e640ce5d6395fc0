"""Upload forms for organizers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from routes.formats import EXTENSIONS
from routes.models import CUE_ADDABLE_KINDS, Route

ACCEPT = ",".join((*EXTENSIONS, ".gz"))


class RouteUploadForm(forms.Form):
    name = forms.CharField(label=_("name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("name (English)"), max_length=120, required=False)
    description = forms.CharField(label=_("description (Chinese)"), widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False)
    category = forms.ChoiceField(label=_("category"), choices=Route.Category.choices, initial=Route.Category.ROAD)
    visibility = forms.ChoiceField(label=_("visibility"), choices=Route.Visibility.choices,
                                   initial=Route.Visibility.PUBLIC)
    publish = forms.BooleanField(label=_("publish now"), required=False)
    gpx = forms.FileField(label=_("route file (GPX, FIT or TCX; gzipped too)"),
                          widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class VersionUploadForm(forms.Form):
    gpx = forms.FileField(label=_("new route file (GPX, FIT or TCX; gzipped too)"),
                          widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class RouteEditForm(forms.ModelForm):
    class Meta:
        model = Route
        fields = ("name", "name_en", "description", "description_en", "category", "surface", "region", "tags",
                  "collection", "status", "visibility")
        widgets = {"description": forms.Textarea(attrs={"rows": 4}),
                   "description_en": forms.Textarea(attrs={"rows": 4})}


class CueAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"))
    text = forms.CharField(label=_("text"), max_length=120, required=False)
    distance_km = forms.FloatField(label=_("at km"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in CUE_ADDABLE_KINDS]
