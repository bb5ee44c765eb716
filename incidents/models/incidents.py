"""Incidents, the groups of people in them, and each group's custody timeline."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from incidents.models.common import VagueDateFields, Versioned, limited_text, unique_slug
from incidents.models.places import Location
from incidents.querysets import (
    CHRONOLOGICAL,
    IncidentQuerySet,
    Status,
)
from incidents.vague import CountQualifier, EstimatedCount


class Outcome(models.TextChoices):
    """Public codes: they appear in URLs (?outcome=repatriated), so never rename them."""

    DETAINED = "detained", pgettext_lazy("outcome", "Detained")
    REPATRIATED = "repatriated", _("Repatriated to North Korea")
    RELEASED_TO_SOUTH_KOREA = "released_to_south_korea", _("Released to South Korea")
    RELEASED_TO_THIRD_COUNTRY = "released_to_third_country", _("Released to a third country")
    SHELTERED = "sheltered", _("Sheltered in a diplomatic mission")
    ESCAPED = "escaped", _("Escaped")
    DIED = "died", _("Died")
    UNKNOWN = "unknown", _("Unknown")


class Incident(Versioned, VagueDateFields):
    """One reported arrest operation or event, with the groups of people caught up in it."""

    title = models.CharField(
        _("title"),
        max_length=200,
        help_text=_(
            "Short and factual, e.g. '29 arrested in Qingdao and Kunming, held in Tumen'. No names."
        ),
    )
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        blank=True,
        help_text=_("The permanent URL. Filled from the title."),
    )
    summary = limited_text(
        _("public summary"),
        blank=True,
        help_text=_(
            "What happened, for the public. Never include names, "
            "family details or helpers' identities."
        ),
    )
    title_ko = models.CharField(
        _("Korean title"),
        max_length=200,
        blank=True,
        help_text=_("Optional. Shown to readers using the Korean interface."),
    )
    summary_ko = limited_text(
        _("Korean public summary"),
        blank=True,
        help_text=_("Optional. Same rules as the public summary: no names."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    notes_internal = limited_text(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Public: pages, the feed, exports and the API show it, so it moves only when something the
    # public can see changes (services decide). Internal edits move staff_updated_at only;
    # otherwise a feed reader could tell that staff are working on a record right now.
    updated_at = models.DateTimeField(_("last public change"), default=timezone.now, editable=False)
    staff_updated_at = models.DateTimeField(_("last change (staff)"), auto_now=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)

    objects = IncidentQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_latest", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [
            ("publish_incident", _("Can publish, unpublish and archive incidents")),
            ("restore_incident", _("Can restore deleted incidents")),
        ]
        indexes = [
            # The public list: published incidents, newest first, filtered by date overlap.
            models.Index(fields=["status", "-date_latest"], name="incident_status_date_idx"),
        ]
        constraints = VagueDateFields.vague_date_constraints("incident") + [
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="incident_status_valid",
                violation_error_message=_("Unknown status."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = self.clean_vague_date()
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Incident, self.title, instance_pk=self.pk)
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    # Derived facts. These read `groups.all()`, so list views must prefetch (see querysets).
    @property
    def outcomes(self) -> list[str]:
        seen = []
        for group in self.groups.all():
            if group.outcome not in seen:
                seen.append(group.outcome)
        return seen

    @property
    def people_total(self) -> EstimatedCount:
        from incidents.vague import total

        return total(g.size for g in self.groups.all())


class CountFields:
    """The parts of a group that are estimated counts, with their nouns (plural, singular)."""

    PARTS = {
        "size": (_("people"), _("person")),
        "women": (_("women"), _("woman")),
        "men": (_("men"), _("man")),
        "minors": (_("minors"), _("minor")),
        "helpers": (_("helpers or brokers"), _("helper or broker")),
    }
    # The same parts as phrases around a count, for pages ("at least 4 women", "여성 최소 4명").
    COMPOSITION = {
        "women": (
            pgettext_lazy("group composition", "%(count)s women"),
            pgettext_lazy("group composition", "%(count)s woman"),
        ),
        "men": (
            pgettext_lazy("group composition", "%(count)s men"),
            pgettext_lazy("group composition", "%(count)s man"),
        ),
        "minors": (
            pgettext_lazy("group composition", "%(count)s minors"),
            pgettext_lazy("group composition", "%(count)s minor"),
        ),
        "helpers": (
            pgettext_lazy("group composition", "%(count)s helpers or brokers"),
            pgettext_lazy("group composition", "%(count)s helper or broker"),
        ),
    }


def _count_value(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


def _count_qualifier():
    return models.CharField(
        _("qualifier"),
        max_length=10,
        choices=CountQualifier.choices,
        default=CountQualifier.UNKNOWN,
    )


class DetaineeGroup(models.Model):
    """People caught together, held together and sharing one fate.

    Split an incident into groups where the report does: by city of arrest or by outcome.
    `size` counts everyone in the group, helpers included; the composition parts (women,
    men, minors, helpers) each count a subset of `size` and so can never exceed it.
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="groups",
        verbose_name=_("incident"),
    )
    sequence = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(
        _("label"), max_length=120, blank=True, help_text=_("e.g. 'Qingdao group'. No names.")
    )
    arrest_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="arrests",
        verbose_name=_("place of arrest"),
    )
    size_value = _count_value(_("number of people"))
    size_qualifier = _count_qualifier()
    women_value = _count_value(_("women"))
    women_qualifier = _count_qualifier()
    men_value = _count_value(_("men"))
    men_qualifier = _count_qualifier()
    minors_value = _count_value(_("minors"))
    minors_qualifier = _count_qualifier()
    helpers_value = _count_value(_("helpers or brokers"))
    helpers_qualifier = _count_qualifier()
    outcome = models.CharField(
        _("outcome"),
        max_length=32,
        choices=Outcome.choices,
        default=Outcome.UNKNOWN,
        help_text=_("The latest known fate of this group."),
    )
    notes_internal = limited_text(
        _("internal notes"),
        blank=True,
        help_text=_(
            "Identities of detainees, families and helpers go here and only here. "
            "Never shown to the public."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["sequence", "pk"]
        verbose_name = _("detainee group")
        verbose_name_plural = _("detainee groups")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values),
                name="group_outcome_valid",
                violation_error_message=_("Unknown outcome."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{part}_value__isnull": True})
                    | ~Q(**{f"{part}_qualifier": CountQualifier.UNKNOWN}),
                    name=f"group_{part}_qualified",
                    violation_error_message=_("A number needs a qualifier other than 'unknown'."),
                )
                for part in CountFields.PARTS
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{part}_value__isnull": False})
                    | Q(**{f"{part}_qualifier": CountQualifier.UNKNOWN}),
                    name=f"group_{part}_number_given",
                    violation_error_message=_("A qualifier such as 'at least' needs a number."),
                )
                for part in CountFields.PARTS
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{part}_value__isnull": True})
                    | Q(size_value__isnull=True)
                    | Q(
                        size_qualifier__in=[
                            CountQualifier.AT_LEAST,
                            CountQualifier.MORE_THAN,
                            CountQualifier.ABOUT,
                        ]
                    )
                    | Q(**{f"{part}_value__lte": F("size_value")}),
                    name=f"group_{part}_within_size",
                    violation_error_message=_("A part of the group cannot exceed its size."),
                )
                for part in CountFields.PARTS
                if part != "size"
            ],
        ]

    def __str__(self) -> str:
        where = f" in {self.arrest_location.name}" if self.arrest_location_id else ""
        return self.label or f"{self.size.render('people', singular='person')}{where}"

    def count(self, part: str) -> EstimatedCount:
        value = getattr(self, f"{part}_value")
        qualifier = getattr(self, f"{part}_qualifier")
        if value is None:
            return EstimatedCount(None, CountQualifier.UNKNOWN)
        return EstimatedCount(value, qualifier)

    @property
    def size(self) -> EstimatedCount:
        return self.count("size")

    @property
    def composition(self) -> list[str]:
        """Known parts for pages, e.g. ['at least 4 women', '2 minors'] ('여성 최소 4명')."""
        parts = []
        for part, (plural, singular) in CountFields.COMPOSITION.items():
            count = self.count(part)
            if count.known:
                one = count.value == 1 and count.qualifier != CountQualifier.MORE_THAN
                parts.append(str(singular if one else plural) % {"count": count.localized()})
        return parts

    def clean(self):
        errors = {}
        for part in CountFields.PARTS:
            value = getattr(self, f"{part}_value")
            qualifier = getattr(self, f"{part}_qualifier")
            if value is not None and qualifier == CountQualifier.UNKNOWN:
                errors[f"{part}_qualifier"] = _(
                    "You gave a number: say if it is exact, 'at least', 'about'…"
                )
            if value is None and qualifier != CountQualifier.UNKNOWN:
                errors[f"{part}_value"] = _("Give the number, or set the qualifier to 'unknown'.")
        if not errors:
            ceiling = self.size.high
            if ceiling is not None:
                for part, (noun, _singular) in CountFields.PARTS.items():
                    if part != "size" and self.count(part).low > ceiling:
                        errors[f"{part}_value"] = _(
                            "%(part)s (%(n)s) cannot exceed the group size (%(size)s)."
                        ) % {
                            "part": str(noun).capitalize(),
                            "n": self.count(part).render(),
                            "size": self.size.render(),
                        }
                if not errors and self.count("women").low + self.count("men").low > ceiling:
                    errors["men_value"] = _(
                        "Women and men together (%(n)s) exceed the group size (%(size)s)."
                    ) % {
                        "n": self.count("women").low + self.count("men").low,
                        "size": self.size.render(),
                    }
        if errors:
            raise ValidationError(errors)


class EventKind(models.TextChoices):
    """Kinds of custody event; codes are public (exports, API)."""

    ARRESTED = "arrested", _("Arrested")
    DETAINED = "detained", _("Detained")
    TRANSFERRED = "transferred", _("Transferred")
    DIPLOMATIC_REQUEST = "diplomatic_request", _("Diplomatic request made")
    REPATRIATED = "repatriated", _("Repatriated")
    RELEASED = "released", _("Released")
    SHELTERED = "sheltered", _("Sheltered in a diplomatic mission")
    ASYLUM_SOUGHT = "asylum_sought", _("Asylum sought")
    ESCAPED = "escaped", _("Escaped")
    DIED = "died", _("Died")
    REPORTED = "reported", _("Reported")


class CustodyEvent(VagueDateFields):
    """One dated step in a group's custody: arrest, transfer, repatriation, release..."""

    Kind = EventKind

    group = models.ForeignKey(
        "incidents.DetaineeGroup",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("group"),
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("where"),
    )
    description = models.CharField(
        _("public description"),
        max_length=300,
        blank=True,
        help_text=_("e.g. 'taken to a detention centre to await repatriation'. No names."),
    )
    sequence = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Breaks ties between events with the same date.")
    )
    notes_internal = limited_text(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = CHRONOLOGICAL
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        constraints = VagueDateFields.vague_date_constraints("event") + [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values),
                name="event_kind_valid",
                violation_error_message=_("Unknown event kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.date_display}"

    def clean(self):
        errors = self.clean_vague_date()
        if errors:
            raise ValidationError(errors)


class ReviewQueueItem(Incident):
    """Incidents waiting for an editor: the admin's review queue (a proxy, no table)."""

    class Meta:
        proxy = True
        verbose_name = _("incident awaiting review")
        verbose_name_plural = _("review queue")
