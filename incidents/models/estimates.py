"""Aggregate figures that are not incidents."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from incidents.models.common import QUOTE_TEXT, Versioned, limited_text
from incidents.models.history import HistoricalRecords
from incidents.models.sources import Source
from incidents.querysets import (
    ESTIMATE_STATUSES,
    EstimateQuerySet,
    Status,
)
from incidents.vague import CountQualifier, EstimatedCount


class Estimate(Versioned, models.Model):
    """An aggregate figure that is not an incident, e.g. "some 7,800 repatriated in 2003"."""

    class Subject(models.TextChoices):
        REPATRIATED = "repatriated", _("People repatriated")
        ARRESTED = "arrested", _("People arrested")
        IN_HIDING = "in_hiding", _("North Koreans hiding in the country")
        ARRIVED_SOUTH_KOREA = "arrived_south_korea", _("Arrivals in South Korea")
        OTHER = "other", _("Other")

    subject = models.CharField(_("what is counted"), max_length=24, choices=Subject.choices)
    description = models.CharField(
        _("description"),
        max_length=300,
        help_text=_("e.g. 'North Koreans repatriated from China in 2003'."),
    )
    country = CountryField(_("country"), blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value_low = models.PositiveIntegerField(_("figure (low)"))
    value_high = models.PositiveIntegerField(
        _("figure (high)"),
        null=True,
        blank=True,
        help_text=_("For a range such as '50,000 to 300,000'."),
    )
    qualifier = models.CharField(
        _("qualifier"), max_length=10, choices=CountQualifier.choices, default=CountQualifier.ABOUT
    )
    sources = models.ManyToManyField(
        Source,
        through="EstimateSource",
        related_name="estimates",
        verbose_name=_("sources"),
    )
    attributed_to = models.CharField(
        _("estimate made by"),
        max_length=200,
        blank=True,
        help_text=_(
            "e.g. 'U.S. Committee for Refugees', when the source reports someone else's figure."
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ESTIMATE_STATUSES, default=Status.DRAFT
    )

    objects = EstimateQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["period_start", "subject"]
        verbose_name = _("aggregate estimate")
        verbose_name_plural = _("aggregate estimates")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")),
                name="estimate_period_ordered",
                violation_error_message=_("The period ends before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(value_high__isnull=True) | Q(value_high__gte=F("value_low")),
                name="estimate_range_ordered",
                violation_error_message=_("The high figure is below the low figure."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.figure} – {self.description}"

    def clean(self):
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period ends before it starts.")
        if (
            self.value_high is not None
            and self.value_low is not None
            and self.value_high < self.value_low
        ):
            errors["value_high"] = _("The high figure is below the low figure.")
        if errors:
            raise ValidationError(errors)

    @property
    def count(self) -> EstimatedCount:
        if self.value_high is not None and self.value_high != self.value_low:
            return EstimatedCount(self.value_low, CountQualifier.RANGE, self.value_high)
        return EstimatedCount(self.value_low, self.qualifier)

    @property
    def figure(self) -> str:
        return self.count.render()

    @property
    def figure_display(self) -> str:
        """`figure` for pages, in the active language ("약 7,800명" in Korean)."""
        return self.count.localized()


class EstimateSource(models.Model):
    """A source for an aggregate estimate, with what it says (an estimate may rest on several:
    "at least 7,800" from the U.S. Committee for Refugees, repeated by a newspaper)."""

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="estimate_citations",
        verbose_name=_("source"),
    )
    claim = limited_text(_("quoted claim"), limit=QUOTE_TEXT, blank=True)
    locator = models.CharField(_("page or paragraph"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("source of the estimate")
        verbose_name_plural = _("sources of the estimate")

    def __str__(self) -> str:
        return f"{self.source} → {self.estimate}"
