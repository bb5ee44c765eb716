"""Soft edit locks: who has an incident's change page open, so a colleague opening it too is
told before typing. A lock never blocks a save (the version check does that, and merging
helps the one refused); it only informs, and it expires when its page stops reporting."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EditLock(models.Model):
    """One staff member editing one incident: refreshed by the open page's heartbeat,
    released on a successful save or on leaving the page, ignored once expired."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="edit_locks"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("editing since"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("edit lock")
        verbose_name_plural = _("edit locks")
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="edit_lock_one_per_user"),
            models.CheckConstraint(
                condition=models.Q(last_seen__gte=models.F("started_at")),
                name="edit_lock_seen_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} editing {self.incident_id} since {self.started_at:%Y-%m-%d %H:%M}"
