"""Forms of the event pages: create/edit an event, register, switch, transfer, check in, results."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import HomeArea
from accounts.validators import normalize_phone
from core.i18n import localized
from core.money import YuanField, yuan
from events import idcard
from events.models import Category, Event, FieldMessage, Question, QuotaGroup, Wave
from events.questions import TEXT_MAX_LENGTH, choices
from events.selectors.extras import addons_offered
from events.services import answers_clean
from events.services.field import MAX_LENGTH
from routes.models import Route
from routes.selectors import routes_published

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

# Entry and check-in codes have letters: the full keyboard, capitals offered, no autocorrect.
LETTER_CODE = {"autocomplete": "off", "autocapitalize": "characters", "autocorrect": "off", "spellcheck": "false"}


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ("title", "title_en", "kind", "description", "description_en", "starts_at", "ends_at",
                  "meeting_point", "meeting_lat", "meeting_lon", "county", "registration_opens_at",
                  "registration_closes_at", "transfer_deadline", "deferral_deadline", "team_all_or_nothing",
                  "contact", "insurer", "waiver_text", "challenge_routes")
        widgets = dict.fromkeys(("starts_at", "ends_at", "registration_opens_at", "registration_closes_at",
                                 "transfer_deadline", "deferral_deadline"), DATETIME)
        widgets |= {"description": forms.Textarea(attrs={"rows": 4}),
                    "description_en": forms.Textarea(attrs={"rows": 4}),
                    "waiver_text": forms.Textarea(attrs={"rows": 4}),
                    "challenge_routes": forms.CheckboxSelectMultiple}
        help_texts = {"challenge_routes": _("For an anytime challenge: entrants finish it by uploading a ride that "
                                            "completes every ticked route between the start and the end.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["challenge_routes"].queryset = routes_published().order_by("name")


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("name (Chinese)"), max_length=80)
    name_en = forms.CharField(label=_("name (English)"), max_length=80, required=False)
    route = forms.ModelChoiceField(label=_("route"), queryset=Route.objects.none(), required=False)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=100_000)
    fee_cny = YuanField(label=_("fee (CNY)"), required=False)  # cleans to fen
    # a choice, not a ticked box: an untouched extra form must post exactly its initial values
    when_full = forms.ChoiceField(label=_("when full"), initial="waitlist", choices=[
        ("waitlist", _("new registrations join the waitlist")), ("refuse", _("refuse new registrations"))])
    min_age = forms.IntegerField(label=_("minimum age on event day"), min_value=0, max_value=120, required=False)
    max_age = forms.IntegerField(label=_("maximum age on event day"), min_value=0, max_value=120, required=False)
    gender = forms.ChoiceField(label=_("gender restriction"), choices=Category.Gender.choices, required=False,
                               initial=Category.Gender.ANY)

    def __init__(self, *args, routes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes if routes is not None else Route.objects.none()


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("question (Chinese)"), max_length=200)
    label_en = forms.CharField(label=_("question (English)"), max_length=200, required=False)
    # the select's first option is its initial value: an untouched extra form counts as unchanged
    # and is ignored (a blank slot never blocks creating the event)
    kind = forms.ChoiceField(label=_("kind"), choices=Question.Kind.choices, initial=Question.Kind.TEXT)
    required = forms.BooleanField(label=_("required"), required=False)
    choices = forms.CharField(label=_("choices, separated by commas"), required=False)


CategoryFormSet = formset_factory(CategoryForm, extra=2, min_num=1, validate_min=True)
QuestionFormSet = formset_factory(QuestionForm, extra=3)


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("Any")), *Event.Kind.choices], required=False)
    county = forms.ChoiceField(label=_("county or district"), choices=[("", _("Any")), *HomeArea.choices],
                               required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RegistrationForm(forms.Form):
    """Built from the event: its categories, its questions and its waiver. Answers are checked by
    the same answers_clean the API uses, and its errors land on the question's field."""

    category = forms.ModelChoiceField(label=pgettext_lazy("event category", "category"),
                                      queryset=Category.objects.none(), empty_label=None)

    def __init__(self, *args, event: Event, fixed_category: bool = False, rider=None, check_answers: bool = True,
                 extras: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.check_answers = check_answers  # the family page: the adult's answers only when they ride
        if fixed_category:  # a seat held by the rider's club: only the answers and the waiver
            del self.fields["category"]
        else:
            self.fields["category"].queryset = event.categories.all()
            self.fields["category"].label_from_instance = lambda c: localized(c, "name")
        for question in event.questions.all():
            self.fields[f"q_{question.key}"] = _question_field(question, localized(question, "label"))
        if event.waiver_text:
            self.fields["accept_waiver"] = forms.BooleanField(label=_("I have read and accept the waiver"))
        if event.entry_codes.exists():
            self.fields["code"] = forms.CharField(label=_("Entry code (if you have one)"), required=False,
                                                  max_length=24, widget=forms.TextInput(attrs=LETTER_CODE))
        if extras and not fixed_category:
            self._extras_fields(event)
        if any(q.kind == Question.Kind.NATIONAL_ID for q in event.questions.all()):
            self.fields["id_consent"] = forms.BooleanField(required=False, label=id_consent_text(event))
            if rider is None or rider.date_of_birth is None or rider.gender not in ("male", "female"):
                self.fields["fill_profile"] = forms.BooleanField(
                    required=False, label=_("Fill the birth date and gender missing from my profile from my ID number"))

    def _extras_fields(self, event: Event) -> None:
        """What the entry may include (issue 30): a coupon, each add-on in a size, the insurance."""
        if event.coupons.exists():
            self.fields["coupon"] = forms.CharField(label=_("Coupon code (if you have one)"), required=False,
                                                    max_length=24, widget=forms.TextInput(attrs=LETTER_CODE))
        names = {c.pk: localized(c, "name") for c in event.categories.all()}
        for addon in addons_offered(event):
            sizes = [(str(v.pk), v.label if v.left > 5 else _("%(size)s (sold out)") % {"size": v.label}
                      if not v.left else _("%(size)s (%(n)s left)") % {"size": v.label, "n": v.left})
                     for v in addon.variants.all()]
            def listed(ids: set[int]) -> str:
                return ", ".join(names[i] for i in sorted(ids))

            notes = []
            if addon.offered_ids:
                notes.append(_("Only in: %(names)s") % {"names": listed(addon.offered_ids)})
            if addon.required_ids:
                notes.append(_("Required in: %(names)s") % {"names": listed(addon.required_ids)})
            self.fields[f"addon_{addon.pk}"] = forms.ChoiceField(
                label=f"{localized(addon, 'name')} · ¥{yuan(addon.price_fen)}", required=False,
                choices=[("", _("No, thanks")), *sizes], help_text=" · ".join(str(n) for n in notes))
        if event.own_insurance_allowed:
            bought = (_("The event's insurance (¥%(price)s)") % {"price": yuan(event.insurance_fen)}
                      if event.insurance_fen or event.insurance_policy else _("No insurance through the event"))
            self.fields["insurance"] = forms.ChoiceField(
                label=_("Insurance"), widget=forms.RadioSelect, initial="event",
                choices=[("event", bought), ("own", _("My own insurance (I upload its certificate for the "
                                                     "organizer to check)"))])

    def extras(self) -> dict:
        """The coupon, the sizes chosen ({add-on id: variant id}) and the insurance, for the service."""
        data = self.cleaned_data
        return {"coupon": data.get("coupon", ""), "insurance": data.get("insurance", ""),
                "addons": {int(name[6:]): int(value) for name, value in data.items()
                           if name.startswith("addon_") and value}}

    def flags(self) -> dict:
        """The consent and profile ticks, as the registration services take them."""
        return {"id_consent": bool(self.cleaned_data.get("id_consent")),
                "fill_profile": bool(self.cleaned_data.get("fill_profile"))}

    def code_flag(self) -> dict:
        return {"code": self.cleaned_data.get("code", "")} if "code" in self.fields else {}

    def answers(self) -> dict:
        return {name[2:]: value for name, value in self.cleaned_data.items()
                if name.startswith("q_") and value not in (None, "")}

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.check_answers:
            return cleaned
        try:
            answers_clean(event=self.event, answers=self.answers())
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.add_error(f"q_{key}" if f"q_{key}" in self.fields else None, messages)
        return cleaned


def _question_field(question: Question, label: str) -> forms.Field:
    """The input for a question: a list when the kind has choices, else a typed box."""
    required = question.required
    options = choices(question)
    if options is not None:
        return forms.ChoiceField(label=label, required=required,
                                 choices=[("", "—"), *((o.value, o.label) for o in options)])
    if question.kind == Question.Kind.DATE:
        return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if question.kind == Question.Kind.NUMBER:
        return forms.DecimalField(label=label, required=required)
    if question.kind == Question.Kind.NATIONAL_ID:
        return forms.CharField(label=label, required=required, max_length=idcard.LENGTH,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "latin"}))
    return forms.CharField(label=label, required=required, max_length=TEXT_MAX_LENGTH)


class SwitchCategoryForm(forms.Form):
    category = forms.ModelChoiceField(label=_("new category"), queryset=Category.objects.none(), empty_label=None)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = event.categories.all()
        self.fields["category"].label_from_instance = lambda c: localized(c, "name")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        cleaned["price_fen"] = cleaned.pop("price_cny", None)  # fen (YuanField); None: the category's
        return cleaned


class TransferForm(forms.Form):
    username = forms.CharField(label=_("username of the rider taking your place"), max_length=150)


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("check-in code"), max_length=200, widget=forms.TextInput(attrs=LETTER_CODE))


class ResultsForm(forms.Form):
    file = forms.FileField(label=_("results CSV (bib, time H:MM:SS or DNF/DNS/DSQ)"),
                           error_messages={"required": _("Choose a CSV file.")})


class CancelEventForm(forms.Form):
    reason = forms.CharField(label=_("reason (sent to every registered rider)"), widget=forms.Textarea(
        attrs={"rows": 3}), required=False)


class CategorySettingsForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("mode", "capacity", "waitlist_enabled", "bib_start", "bib_end", "bib_at", "bib_reserved", "min_age",
                  "max_age", "gender")

    fee_cny = YuanField(label=_("fee (CNY)"), required=False)  # stored as fee_fen

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].required = False  # not sent: unchanged
        self.fields["bib_at"].required = False  # not sent: unchanged
        self.initial.setdefault("fee_cny", self.instance.fee_fen)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        cleaned["fee_fen"] = cleaned.pop("fee_cny", None) or 0
        return cleaned

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or self.instance.mode

    def clean_bib_at(self) -> str:
        return self.cleaned_data.get("bib_at") or self.instance.bib_at


class ProxyForm(forms.Form):
    """Someone the rider names to pick the kit up (services.registration_proxy_set checks them)."""

    name = forms.CharField(label=_("their name, as on their ID card"), max_length=40, required=False)
    mobile = forms.CharField(label=_("their mobile"), max_length=20, required=False)


class FieldMessageForm(forms.Form):
    audience = forms.ChoiceField(label=_("send to"), choices=FieldMessage.Audience.choices)
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.none(),
                                      required=False)
    wave = forms.ModelChoiceField(label=_("start wave"), queryset=Wave.objects.none(), required=False)
    by_sms = forms.BooleanField(label=_("by SMS"), required=False, initial=True)
    by_email = forms.BooleanField(label=_("by e-mail"), required=False, initial=True)
    text = forms.CharField(label=_("message"), max_length=MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_LENGTH}))

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = event.categories.all()
        self.fields["wave"].queryset = Wave.objects.filter(category__event=event).select_related("category")
        self.fields["wave"].label_from_instance = lambda w: f"{localized(w.category, 'name')} · {w.name}"

    def spec(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("audience", "category", "wave", "by_sms", "by_email", "text")}


class WaveForm(forms.Form):
    name = forms.CharField(label=_("wave"), max_length=40)
    starts_at = forms.DateTimeField(label=_("start time"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    size = forms.IntegerField(label=_("riders at most"), min_value=1, max_value=100000)


class WaveSeedForm(forms.Form):
    by = forms.ChoiceField(label=_("seed by"))

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        speeds = [(q.key, _("declared: %(question)s") % {"question": q.label})
                  for q in event.questions.filter(kind=Question.Kind.NUMBER)]
        self.fields["by"].choices = [*speeds, ("results", _("previous results (place in their last race)"))]


class WaveMoveForm(forms.Form):
    bib = forms.IntegerField(label=_("bib"), min_value=1)
    wave = forms.ModelChoiceField(label=_("to wave"), queryset=Wave.objects.none(), required=False,
                                  empty_label=_("no wave"))

    def __init__(self, *args, category: Category, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wave"].queryset = category.waves.order_by("starts_at", "pk")


class QuotaGroupForm(forms.Form):
    rule = forms.ChoiceField(label=_("who"), choices=QuotaGroup.Rule.choices)
    share_percent = forms.IntegerField(label=_("share of the seats (%)"), min_value=1, max_value=100)
    earlier_event = forms.ModelChoiceField(label=_("earlier edition (for finishers)"), required=False,
                                           queryset=Event.objects.none())

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["earlier_event"].queryset = Event.objects.filter(
            created_by=event.created_by, starts_at__lt=event.starts_at).order_by("-starts_at")


def id_consent_text(event: Event) -> str:
    """The separate consent for the ID number (PIPL): its purpose, who receives it, how long it is kept."""
    days = settings.NATIONAL_ID_RETENTION_DAYS
    if event.insurer:
        return _("I agree that my ID number is used only to insure me for this event: the organizer and the insurer "
                 "%(insurer)s receive it, and it is erased %(days)s days after the event.") % {
            "insurer": event.insurer, "days": days}
    return _("I agree that my ID number is used only to insure me for this event: the organizer receives it for "
             "the insurer, and it is erased %(days)s days after the event.") % {"days": days}


class EntryCodesForm(forms.Form):
    category = forms.ModelChoiceField(label=pgettext_lazy("event category", "category"),
                                      queryset=Category.objects.none(), empty_label=None)
    count = forms.IntegerField(label=_("how many codes"), min_value=1, max_value=5000, initial=1)
    uses = forms.IntegerField(label=_("uses of each"), min_value=1, max_value=1000, initial=1)
    price_cny = YuanField(label=_("price (CNY), empty: the category's; 0: free"), required=False)
    expires_at = forms.DateTimeField(label=_("valid until"), required=False, widget=DATETIME)
    reserve = forms.BooleanField(label=_("reserve their seats (the open sign-up cannot take them)"), required=False)
    note = forms.CharField(label=_("for (sponsor, qualifier ...)"), required=False, max_length=120)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = event.categories.all()
        self.fields["category"].label_from_instance = lambda c: localized(c, "name")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        cleaned["price_fen"] = cleaned.pop("price_cny", None)  # fen (YuanField); None: the category's
        return cleaned


class EntryCodesImportForm(forms.Form):
    file = forms.FileField(label=_("CSV: code, category, uses, price_cny, valid_until, note"))
    reserve = forms.BooleanField(label=_("reserve their seats"), required=False)


class CompanionForm(forms.Form):
    """One companion of a family entry: who they are, and their own answers to the event's questions."""

    real_name = forms.CharField(label=_("real name"), max_length=60)
    gender = forms.ChoiceField(label=_("gender"), choices=[("female", _("Female")), ("male", _("Male"))])
    date_of_birth = forms.DateField(label=_("date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    mobile = forms.CharField(label=_("mobile (optional)"), max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        for question in event.questions.all():
            self.fields[f"q_{question.key}"] = _question_field(question, localized(question, "label"))

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile", "").strip()
        return normalize_phone(value) if value else ""

    def companion(self) -> dict:
        """The companion as the family service takes it (the API's companions have the same keys)."""
        return {"real_name": self.cleaned_data["real_name"], "gender": self.cleaned_data["gender"],
                "date_of_birth": self.cleaned_data["date_of_birth"], "mobile": self.cleaned_data.get("mobile", ""),
                "answers": self.answers()}

    def answers(self) -> dict:
        return {name[2:]: value for name, value in self.cleaned_data.items()
                if name.startswith("q_") and value not in (None, "")}
