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
                  "collection", "status", "visibility", "one_way")
        widgets = {"description": forms.Textarea(attrs={"rows": 4}),
                   "description_en": forms.Textarea(attrs={"rows": 4})}


class CueAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"))
    text = forms.CharField(label=_("text"), max_length=120, required=False)
    distance_km = forms.FloatField(label=_("at km"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in CUE_ADDABLE_KINDS]


class RideUploadForm(forms.Form):
    file = forms.FileField(label=_("ride file (FIT, GPX or TCX)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class PrivacyZoneForm(forms.Form):
    radius_m = forms.TypedChoiceField(label=_("hide my rides near home"), coerce=int, choices=[
        (0, _("off")), (200, _("within 200 m")), (500, _("within 500 m")), (1000, _("within 1 km")),
        (2000, _("within 2 km"))])
    lat = forms.FloatField(label=_("home latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("home longitude"), required=False, min_value=-180, max_value=180)
