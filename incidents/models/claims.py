"""What each source says, figure by figure, when sources disagree.

"29 North Koreans and six helpers" (The Korea Herald), "29 and five" (Chosun Ilbo), "27"
(KBS): the record keeps every version as a claim citing its source, in the source's words.
One claim per figure is preferred, with the editor's reason; the group's figure (and the
incident's date) is the preferred claim's value, copied there by the write services so that
lists and statistics read one column. Pages show the preferred value and the others beside
it; exports and the API carry every claim.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidents.models import counts
from incidents.models.common import QUOTE_TEXT, VagueDateFields, limited_text
from incidents.models.history import HistoricalRecords
from incidents.models.sources import Source


class ClaimFields(models.Model):
    """Abstract: who says so, in their words, and whether this is the version we go by."""

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
        help_text=_("Who says so. Leave empty only while the figure is not yet sourced."),
    )
    wording = models.CharField(
        _("as the source words it"),
        max_length=300,
        blank=True,
        help_text=_("e.g. '29 North Koreans and six helpers', 'at least 13'."),
    )
    quotation = limited_text(_("quotation"), limit=QUOTE_TEXT, blank=True)
    locator = models.CharField(_("page or paragraph"), max_length=100, blank=True)
    preferred = models.BooleanField(
        _("preferred"),
        default=False,
        help_text=_("The version the record goes by; pages show the others beside it."),
    )
    preferred_reason = models.CharField(
        _("why preferred"),
        max_length=300,
        blank=True,
        help_text=_("Needed when sources disagree, e.g. 'most detailed, confirmed by Amnesty'."),
    )
    sequence = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    def clean_claim(self) -> dict:
        errors = {}
        if self.preferred_reason and not self.preferred:
            errors["preferred_reason"] = _("Only the preferred claim has a reason.")
        return errors


class CountClaim(ClaimFields):
    """One source's figure for one part of a group: its size, women, men, minors or helpers."""

    class Part(models.TextChoices):
        SIZE = "size", _("number of North Koreans")
        WOMEN = "women", _("women")
        MEN = "men", _("men")
        MINORS = "minors", _("minors")
        HELPERS = "helpers", _("helpers or brokers")

    group = models.ForeignKey(
        "incidents.DetaineeGroup",
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("group"),
    )
    part = models.CharField(_("figure"), max_length=10, choices=Part.choices, default=Part.SIZE)
    value = counts.value_field(_("number"))
    value_high = counts.high_field()
    qualifier = counts.qualifier_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["part", "sequence", "pk"]
        verbose_name = _("sourced figure")
        verbose_name_plural = _("sourced figures")
        constraints = [
            *counts.shape_constraints("value", "value_high", "qualifier", "count_claim"),
            models.UniqueConstraint(
                fields=["group", "part"],
                condition=Q(preferred=True),
                name="count_claim_one_preferred",
                violation_error_message=_("Only one claim per figure can be preferred."),
            ),
            models.CheckConstraint(
                condition=Q(part__in=["size", "women", "men", "minors", "helpers"]),
                name="count_claim_part_valid",
                violation_error_message=_("Unknown figure."),
            ),
        ]

    def __str__(self) -> str:
        who = self.source.publisher or self.source.title if self.source_id else _("unsourced")
        return f"{self.get_part_display()}: {self.count.render()} ({who})"

    @property
    def count(self):
        return counts.read(self, "value", "value_high", "qualifier")

    def clean(self):
        errors = self.clean_claim() | counts.problems(self, "value", "value_high", "qualifier")
        if errors:
            raise ValidationError(errors)


class DateClaim(ClaimFields, VagueDateFields):
    """One source's date for an incident ("15–17 July 2014" against "18–19 July 2014")."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="date_claims",
        verbose_name=_("incident"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["sequence", "pk"]
        verbose_name = _("sourced date")
        verbose_name_plural = _("sourced dates")
        constraints = VagueDateFields.vague_date_constraints("date_claim") + [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(preferred=True),
                name="date_claim_one_preferred",
                violation_error_message=_("Only one date claim can be preferred."),
            ),
            models.CheckConstraint(
                condition=Q(date_earliest__isnull=False),
                name="date_claim_has_date",
                violation_error_message=_("A date claim needs a date."),
            ),
        ]

    def __str__(self) -> str:
        who = self.source.publisher or self.source.title if self.source_id else _("unsourced")
        return f"{self.date_display} ({who})"

    def clean(self):
        errors = self.clean_claim() | self.clean_vague_date()
        if self.date_earliest is None and "date_earliest" not in errors:
            errors["date_earliest"] = _("Give the date as the source words it.")
        if errors:
            raise ValidationError(errors)
