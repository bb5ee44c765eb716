"""Building blocks shared by the record's models."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from incidents.vague import DatePrecision, VagueDate

# Size limits for free text (docs/data-format.md states them): long enough for any real report,
# short enough that a pasted file or a runaway script cannot fill a page or the database.
LONG_TEXT = 20_000  # summaries and internal notes
QUOTE_TEXT = 5_000  # quotations from sources
# The largest primary key (BigAutoField): an id typed into a URL or a form beyond it is no
# record, and the database refuses to even compare with it (SQLite: OverflowError).
MAX_ID = 2**63 - 1


def limited_text(label, *, limit: int = LONG_TEXT, **kwargs) -> models.TextField:
    """A TextField whose size is enforced by model validation (TextField's own max_length only
    shapes the form widget), so every write path — admin, import, services — applies it."""
    return models.TextField(label, validators=[MaxLengthValidator(limit)], **kwargs)


class Versioned(models.Model):
    """Abstract: optimistic concurrency. Every staff write goes through a service that bumps
    `version` in the same UPDATE that checks it, so a save based on an older read is refused
    instead of silently overwriting a colleague's change."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


def unique_slug(
    model, *texts: str, instance_pk=None, max_length: int = 80, qualifier: str = ""
) -> str:
    """A free slug from the first text that gives a readable one (a Korean title slugifies to
    nothing or to its digits, so "15" falls through to the next text, e.g. publisher and date).
    On a clash, `qualifier` ("city") is tried before numbering."""
    taken = model._default_manager.exclude(pk=instance_pk)
    base = ""
    for text in texts:
        candidate = slugify(text or "", allow_unicode=False)[: max_length - 12].strip("-")
        if sum(c.isalpha() for c in candidate) >= 3:
            base = candidate
            break
        base = base or candidate
    base = base or "record"
    if qualifier and taken.filter(slug=base).exists():
        base = f"{base}-{slugify(qualifier)}"
    slug, n = base, 2
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


class VagueDateFields(models.Model):
    """Abstract: a date as reported, stored as a possible range plus its precision."""

    date_earliest = models.DateField(
        _("earliest possible date"),
        null=True,
        blank=True,
        help_text=_("Filled from 'date as reported'. Leave both dates empty if unknown."),
    )
    date_latest = models.DateField(_("latest possible date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=12, choices=DatePrecision.choices, blank=True
    )

    class Meta:
        abstract = True

    @property
    def vague_date(self) -> VagueDate | None:
        if self.date_earliest is None or self.date_latest is None or not self.date_precision:
            return None
        return VagueDate(self.date_earliest, self.date_latest, self.date_precision)

    @property
    def date_display(self) -> str:
        """The date for people to read, in the active language (exports use render())."""
        vd = self.vague_date
        return vd.localized() if vd else str(_("date unknown"))

    def clean_vague_date(self) -> dict[str, str]:
        filled = [
            self.date_earliest is not None,
            self.date_latest is not None,
            bool(self.date_precision),
        ]
        if any(filled) and not all(filled):
            return {
                "date_earliest": _(
                    "Give the earliest date, latest date and precision together, or none of them."
                )
            }
        if not any(filled):
            return {}
        if self.date_latest < self.date_earliest:
            return {"date_latest": _("The latest possible date is before the earliest.")}
        problems = VagueDate(self.date_earliest, self.date_latest, self.date_precision).problems()
        return {"date_precision": " ".join(problems)} if problems else {}

    @classmethod
    def vague_date_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(date_earliest__isnull=True)
                | Q(date_latest__isnull=True)
                | Q(date_earliest__lte=F("date_latest")),
                name=f"{prefix}_date_range_ordered",
                violation_error_message=_("The latest possible date is before the earliest."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(date_earliest__isnull=True, date_latest__isnull=True, date_precision="")
                    | (
                        Q(date_earliest__isnull=False, date_latest__isnull=False)
                        & ~Q(date_precision="")
                    )
                ),
                name=f"{prefix}_date_complete_or_empty",
                violation_error_message=_("Give both dates and a precision, or none."),
            ),
        ]
