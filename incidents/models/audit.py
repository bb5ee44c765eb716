"""Who looked at restricted records: staff views are logged without the values they saw."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffAccessLog(models.Model):
    """One staff view of a record that holds restricted data (internal notes, identities).

    Only who, what and when: never the values shown, so the log itself leaks nothing.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        HISTORY = "history", _("viewed history of")
        EXPORT = "export", _("exported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(
        _("username"), max_length=150, help_text=_("Kept if the user is deleted.")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=60)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("staff access")
        verbose_name_plural = _("staff access log")
        indexes = [
            # "Who has looked at this record?" — the admin filter on one object.
            models.Index(fields=["model", "object_id", "-at"], name="access_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.get_action_display()} {self.model} {self.object_id}"


class StaffNotificationSettings(models.Model):
    """A staff member's choice about workflow e-mails (services.notifications). No row: the
    default, e-mails on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    by_email = models.BooleanField(_("e-mail me about the review workflow"), default=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user} ({'on' if self.by_email else 'off'})"
