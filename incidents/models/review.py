"""Review of changes: editors' comments, and the published revisions of published incidents.

A change to a published incident is made on a *working copy*: a draft Incident with
`revision_of` pointing at the live one (services.revisions). The working copy is reviewed like
any draft (submit, return with comments); when an editor publishes it, its content is applied
to the live incident through the importer and an IncidentRevision keeps, for good, the live
record before and after (interchange v2 JSON), who proposed and who published it, and the
public correction notice. The working copy is then deleted (its history stays).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models.common import limited_text


class ReviewStep(models.TextChoices):
    RETURNED = "returned", _("Returned with comments")
    PUBLISHED = "published", _("Published")
    NOTE = "note", _("Note")


class ReviewComment(models.Model):
    """An editor's comment on a draft or a working copy; staff only, never public."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="review_comments",
        verbose_name=_("incident"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    step = models.CharField(
        _("step"), max_length=12, choices=ReviewStep.choices, default=ReviewStep.RETURNED
    )
    # The field the comment is about, as the diff names it ("title", "groups[1].size"); blank:
    # the whole record.
    field = models.CharField(_("field"), max_length=200, blank=True)
    text = limited_text(_("comment"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        indexes = [
            # The change page and the desk: an incident's comments, newest first.
            models.Index(fields=["incident", "-created_at"], name="review_comment_incident_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.text[:60]}"


class IncidentRevisionQuerySet(models.QuerySet):
    def public_notices(self):
        """The correction notices readers see: not minor, with a notice, on a published
        incident (the one rule every public output uses)."""
        return self.filter(minor=False, incident__status="published").exclude(notice="")

    def latest_notice_dates(self, incident_ids) -> dict[int, object]:
        """{incident id: date of its latest public correction} (exports' `corrected_at`)."""
        rows = (
            self.public_notices()
            .filter(incident_id__in=list(incident_ids))
            .values("incident_id")
            .annotate(latest=models.Max("published_at"))
            .values_list("incident_id", "latest")
        )
        return dict(rows)


class IncidentRevision(models.Model):
    """A revision published onto a live incident: before and after, and its notice."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("incident"),
    )
    number = models.PositiveIntegerField(_("number"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    # Public when not minor: the dated correction notice on the incident's page and feed.
    notice = limited_text(_("correction notice"), blank=True)
    minor = models.BooleanField(
        pgettext_lazy("revision", "minor"),
        default=False,
        help_text=_("A typo or wording: no public notice."),
    )
    substantive = models.BooleanField(
        _("substantive"),
        default=False,
        help_text=_("A figure, date, place, outcome or source changed."),
    )
    # Staff only: the full records (FULL scope, with internal notes and confidential claims).
    before = models.JSONField(_("live record before"))
    after = models.JSONField(_("live record after"))
    changes = models.JSONField(_("changes"), default=list)

    objects = IncidentRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("published revision")
        verbose_name_plural = _("published revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "number"], name="incident_revision_number_unique"
            ),
            # A substantive change gets a notice unless an editor called it minor.
            models.CheckConstraint(
                condition=Q(substantive=False) | Q(minor=True) | ~Q(notice=""),
                name="incident_revision_substantive_has_notice",
                violation_error_message=_(
                    "A change to a figure, date, place, outcome or source needs a correction "
                    "notice, unless it is minor."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} #{self.number}"

    @property
    def is_public_notice(self) -> bool:
        return not self.minor and bool(self.notice)
