"""The user model, which is also the rider profile."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_phone


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class HomeArea(models.TextChoices):
    """Xingtai's districts, county-level cities and counties; OTHER takes free text."""

    XIANGDU = "xiangdu", _("Xiangdu District")
    XINDU = "xindu", _("Xindu District")
    RENZE = "renze", _("Renze District")
    NANHE = "nanhe", _("Nanhe District")
    NANGONG = "nangong", _("Nangong City")
    SHAHE = "shahe", _("Shahe City")
    LINCHENG = "lincheng", _("Lincheng County")
    NEIQIU = "neiqiu", _("Neiqiu County")
    BAIXIANG = "baixiang", _("Baixiang County")
    LONGYAO = "longyao", _("Longyao County")
    NINGJIN = "ningjin", _("Ningjin County")
    JULU = "julu", _("Julu County")
    XINHE = "xinhe", _("Xinhe County")
    GUANGZONG = "guangzong", _("Guangzong County")
    PINGXIANG = "pingxiang", _("Pingxiang County")
    WEIXIAN = "weixian", _("Wei County")
    QINGHE = "qinghe", _("Qinghe County")
    LINXI = "linxi", _("Linxi County")
    OTHER = "other", _("Outside Xingtai")


class NotifyBy(models.TextChoices):
    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("E-mail")
    BOTH = "both", _("Both")


class User(AbstractUser):
    """A person on the platform. Contact, birth and emergency data are private to the rider."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    real_name = models.CharField(_("real name"), max_length=60, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=16, blank=True, validators=[validate_phone])
    # the number the rider signs in with, verified by an SMS code (allauth's phone support); the
    # mobile above is the contact number organizers see, filled from it at sign-up
    phone = models.CharField(_("sign-in mobile number"), max_length=16, blank=True)
    phone_verified = models.BooleanField(_("sign-in number verified"), default=False)
    home_area = models.CharField(_("home county or district"), max_length=12, choices=HomeArea.choices, blank=True)
    home_area_other = models.CharField(_("home city (outside Xingtai)"), max_length=80, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact name"), max_length=60, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=16, blank=True, validators=[validate_phone]
    )
    bike_brand = models.ForeignKey("industry.Brand", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="riders", verbose_name=_("bike brand ridden"))
    language = models.CharField(_("language for e-mails"), max_length=10, choices=settings.LANGUAGES,
                                default="zh-hans")
    feed_version = models.PositiveIntegerField(default=0, editable=False)  # a new one voids old calendar links
    # a companion (a child, a friend without an account) registered by this adult, who answers for them
    guardian = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="companions")
    notify_by = models.CharField(_("event messages by"), max_length=8, choices=NotifyBy.choices,
                                 default=NotifyBy.BOTH)
    show_name_publicly = models.BooleanField(
        _("show my name on public start lists and results"),
        default=False,
        help_text=_("If unticked, public lists show only your bib number."),
    )

    # uploaded rides never show points within this many metres of this place (0: no zone)
    privacy_zone_lat = models.FloatField(_("privacy zone centre latitude"), null=True, blank=True)
    privacy_zone_lon = models.FloatField(_("privacy zone centre longitude"), null=True, blank=True)
    privacy_zone_m = models.PositiveIntegerField(_("privacy zone radius (m)"), default=0)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # a verified number signs in: it belongs to one account (an unverified one is just a profile field)
            models.UniqueConstraint(fields=["phone"], condition=models.Q(phone_verified=True),
                                    name="one_account_per_verified_phone"),
            models.CheckConstraint(
                condition=models.Q(home_area="other") | models.Q(home_area_other=""),
                name="home_area_other_only_for_other",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def public_name(self) -> str:
        """The name others may see: the display name, or the username when none is set."""
        return self.display_name or self.username

    def age_on(self, day: datetime.date) -> int | None:
        """Whole years on that day, or None without a birth date."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def is_local(self) -> bool:
        return bool(self.home_area) and self.home_area != HomeArea.OTHER
