"""Tables shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message that went out; the unique key makes a retried task send nothing twice."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    def __str__(self) -> str:
        return self.key
