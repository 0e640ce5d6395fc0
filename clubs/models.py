"""Riding clubs, memberships and announcements."""

from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import HomeArea
from core.validators import one_line


class Club(models.Model):
    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone can join")
        APPROVAL = "approval", _("Approval: admins approve applications")
        INVITE = "invite", _("Invite only: admins invite riders")

    class MemberListVisibility(models.TextChoices):
        PUBLIC = "public", _("Everyone sees member names")
        MEMBERS = "members", _("Only members see the member list")

    slug = models.SlugField(_("slug"), unique=True, max_length=80, allow_unicode=True)
    name = models.CharField(_("name (Chinese)"), max_length=120, validators=[one_line])
    name_en = models.CharField(_("name (English)"), max_length=120, validators=[one_line], blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    home_area = models.CharField(_("home county or district"), max_length=12, choices=HomeArea.choices, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    join_policy = models.CharField(_("join policy"), max_length=10, choices=JoinPolicy.choices,
                                   default=JoinPolicy.APPROVAL)
    member_list_visibility = models.CharField(_("member list"), max_length=10, choices=MemberListVisibility.choices,
                                              default=MemberListVisibility.MEMBERS)
    dues_fen = models.PositiveIntegerField(_("dues (fen)"), default=0)  # integer fen (core.money converts)
    dues_months = models.PositiveSmallIntegerField(_("months each payment covers"), default=12)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One row per rider and club; applying again reuses it."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        INVITED = "invited", _("Invited")
        DECLINED = "declined", _("Declined")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    message = models.TextField(_("message"), blank=True)
    paid_until = models.DateField(_("dues paid until"), null=True, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The member's consent, asked when applying, joining or accepting (and changed on the club page):
    # the club's admins see their real name, mobile, e-mail and emergency contact only when given.
    shares_contact = models.BooleanField(_("shares contact details with the club's admins"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["club", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["club", "user"], name="one_membership_per_club"),
            models.CheckConstraint(condition=~Q(role="owner") | Q(state="active"), name="owners_are_active"),
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.club} · {self.user} · {self.role}/{self.state}"

    @property
    def is_admin(self) -> bool:
        return self.state == self.State.ACTIVE and self.role in (self.Role.OWNER, self.Role.ADMIN)

    @cached_property
    def contact(self) -> dict[str, str]:
        """What the club's admins may see of this member's contact details: all of it with consent,
        nothing without (the roster page, its CSV and the API all read this)."""
        user = self.user
        if not self.shares_contact:
            return dict.fromkeys(("real_name", "mobile", "email", "emergency_contact_name",
                                  "emergency_contact_phone"), "")
        return {"real_name": user.real_name, "mobile": user.mobile, "email": user.email,
                "emergency_contact_name": user.emergency_contact_name,
                "emergency_contact_phone": user.emergency_contact_phone}


class Announcement(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("subject"), max_length=200, validators=[one_line])
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
