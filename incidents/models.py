"""The record: incidents, the groups of people in them, what happened to each group, where,
and which sources say so.

Shape, in one paragraph: an Incident is one reported event (an arrest operation). It holds one
or more DetaineeGroups, because reports split people by city and by fate ("20 in Qingdao and
9 in Kunming"). Each group has a custody timeline of CustodyEvents (arrested, transferred,
repatriated...) at Locations, and an outcome; the incident's outcomes derive from its groups.
Every claim is backed by a Citation of a Source, optionally pinned to a group or an event.
Estimates hold aggregate figures that are not incidents ("some 7,800 repatriated in 2003").
Dates are vague ranges and counts are qualified estimates; see incidents/vague.py.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from incidents.querysets import (
    CHRONOLOGICAL,
    EstimateQuerySet,
    IncidentQuerySet,
    SourceQuerySet,
    Status,
)
from incidents.vague import CountQualifier, DatePrecision, EstimatedCount, VagueDate

__all__ = [
    "Citation",
    "CountQualifier",
    "CustodyEvent",
    "DatePrecision",
    "DetaineeGroup",
    "EventKind",
    "Estimate",
    "Incident",
    "Location",
    "Outcome",
    "Source",
    "Status",
]


class Outcome(models.TextChoices):
    """Public codes: they appear in URLs (?outcome=repatriated), so never rename them."""

    DETAINED = "detained", _("Detained")
    REPATRIATED = "repatriated", _("Repatriated to North Korea")
    RELEASED_TO_SOUTH_KOREA = "released_to_south_korea", _("Released to South Korea")
    RELEASED_TO_THIRD_COUNTRY = "released_to_third_country", _("Released to a third country")
    SHELTERED = "sheltered", _("Sheltered in a diplomatic mission")
    ESCAPED = "escaped", _("Escaped")
    DIED = "died", _("Died")
    UNKNOWN = "unknown", _("Unknown")


def unique_slug(model, text: str, *, instance_pk=None, max_length: int = 80) -> str:
    base = slugify(text, allow_unicode=False)[: max_length - 6].strip("-") or "record"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exclude(pk=instance_pk).exists():
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
        vd = self.vague_date
        return vd.render() if vd else str(_("date unknown"))

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


class Location(models.Model):
    """A named place: a city, a province, a detention centre, a border crossing, a mission.

    `city`/`province` are plain text so a place can be as vague as the report ("Liaoning
    province" has no city). Coordinates are public only when `coordinates_public` is set:
    the exact spot of a safe house or a worksite can endanger people.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("City or town")
        PROVINCE = "province", _("Province or region")
        DETENTION_CENTRE = "detention_centre", _("Detention centre")
        POLICE_STATION = "police_station", _("Police station")
        PRISON = "prison", _("Prison")
        BORDER_CROSSING = "border_crossing", _("Border crossing")
        DIPLOMATIC_MISSION = "diplomatic_mission", _("Diplomatic mission")
        WORKSITE = "worksite", _("Worksite")
        OTHER = "other", _("Other")

    class CoordinatePrecision(models.TextChoices):
        EXACT = "exact", _("exact (building)")
        CITY = "city", _("city centre")
        PROVINCE = "province", _("province centre")
        COUNTRY = "country", _("country centre")

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_(
            "As commonly written in English, e.g. 'Tumen detention centre' or 'Liaoning province'."
        ),
    )
    name_ko = models.CharField(
        _("Korean name"), max_length=200, blank=True, help_text=_("e.g. 선양 for Shenyang.")
    )
    name_local = models.CharField(
        _("local name"), max_length=200, blank=True, help_text=_("In the local script, e.g. 沈阳.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        blank=True,
        help_text=_("Used in URLs (?city=shenyang). Filled from the name."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    city = models.CharField(
        _("city"),
        max_length=120,
        blank=True,
        help_text=_(
            "The city this place is in (for a city, its own name). "
            "Blank for a province-level place."
        ),
    )
    province = models.CharField(_("province or region"), max_length=120, blank=True)
    country = CountryField(_("country"))
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    coordinate_precision = models.CharField(
        _("coordinate precision"), max_length=10, choices=CoordinatePrecision.choices, blank=True
    )
    coordinates_public = models.BooleanField(
        _("coordinates may be published"),
        default=False,
        help_text=_(
            "Leave off for safe houses, worksites or anything that could lead someone "
            "to a person. City-level coordinates are usually safe."
        ),
    )
    notes_internal = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    class Meta:
        ordering = ["country", "province", "city", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="location_coordinates_paired",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | ~Q(coordinate_precision=""),
                name="location_coordinates_have_precision",
                violation_error_message=_("Say how precise the coordinates are."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_label()} ({self.country.code})"

    def place_label(self) -> str:
        """'Tumen detention centre, Tumen, Jilin': name, then city and province if they add."""
        parts = [self.name]
        for extra in (self.city, self.province if self.kind != self.Kind.PROVINCE else ""):
            if extra and extra.lower() not in (p.lower() for p in parts):
                parts.append(extra)
        return ", ".join(parts)

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if self.latitude is not None and not self.coordinate_precision:
            errors["coordinate_precision"] = _("Say how precise the coordinates are.")
        if self.kind == self.Kind.PROVINCE and not self.province:
            errors["province"] = _("A province-level place needs its province.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Location, self.name, instance_pk=self.pk)
        if self.kind == self.Kind.CITY and not self.city:
            self.city = self.name
        super().save(*args, **kwargs)


class Source(models.Model):
    """A document, report or person that a claim rests on.

    A confidential source (e.g. an informant's testimony) is never shown publicly, and a
    record must cite at least one non-confidential source to be published.
    """

    class Kind(models.TextChoices):
        NEWS = "news", _("News article")
        EDITORIAL = "editorial", _("Editorial or opinion")
        NGO_REPORT = "ngo_report", _("NGO report or statement")
        GOVERNMENT = "government", _("Government statement")
        UN = "un", _("UN document")
        ACADEMIC = "academic", _("Academic publication")
        BLOG = "blog", _("Blog or forum post")
        SOCIAL_MEDIA = "social_media", _("Social media")
        TESTIMONY = "testimony", _("Testimony or interview")
        OTHER = "other", _("Other")

    class Reliability(models.TextChoices):
        """Admiralty-style source grades, as used by many human-rights documenters."""

        A = "A", _("A – reliable: established record, independently confirmed")
        B = "B", _("B – usually reliable")
        C = "C", _("C – fairly reliable")
        D = "D", _("D – not usually reliable")
        E = "E", _("E – unreliable")
        F = "F", _("F – reliability cannot be judged")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, blank=True)
    publisher = models.CharField(
        _("publisher"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 'Korea Herald', 'Human Rights Watch'."),
    )
    url = models.URLField(_("URL"), max_length=500, blank=True)
    archive_url = models.URLField(
        _("archived copy URL"),
        max_length=500,
        blank=True,
        help_text=_("A web archive copy, in case the original disappears."),
    )
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    language = models.CharField(
        _("language"), max_length=8, default="en", help_text=_("ISO 639-1 code, e.g. en, ko, zh.")
    )
    reliability = models.CharField(
        _("reliability grade"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Tick for informants, private testimony or anything that could identify "
            "who told us. Confidential sources are never shown publicly."
        ),
    )
    notes_internal = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__regex=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"),
                name="source_language_code",
                violation_error_message=_("Use an ISO 639-1 language code such as 'en' or 'ko'."),
            ),
        ]

    def __str__(self) -> str:
        bits = [self.title]
        if self.publisher:
            bits.append(self.publisher)
        if self.published_on:
            bits.append(self.published_on.isoformat())
        label = " — ".join(bits)
        return f"[confidential] {label}" if self.confidential else label

    def clean(self):
        if self.language and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", self.language):
            raise ValidationError(
                {"language": _("Use an ISO 639-1 language code such as 'en', 'ko' or 'zh'.")}
            )

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Source, self.title, instance_pk=self.pk)
        super().save(*args, **kwargs)


class Incident(VagueDateFields):
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
    summary = models.TextField(
        _("public summary"),
        blank=True,
        help_text=_(
            "What happened, for the public. Never include names, "
            "family details or helpers' identities."
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    notes_internal = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-date_latest", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
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
        Incident, on_delete=models.CASCADE, related_name="groups", verbose_name=_("incident")
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
    notes_internal = models.TextField(
        _("internal notes"),
        blank=True,
        help_text=_(
            "Identities of detainees, families and helpers go here and only here. "
            "Never shown to the public."
        ),
    )

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
        """Rendered known parts, e.g. ['at least 4 women', '2 minors']."""
        return [
            self.count(part).render(str(plural), singular=str(singular))
            for part, (plural, singular) in CountFields.PARTS.items()
            if part != "size" and self.count(part).known
        ]

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
        DetaineeGroup, on_delete=models.CASCADE, related_name="events", verbose_name=_("group")
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
    notes_internal = models.TextField(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

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


class Citation(models.Model):
    """A source backing an incident, or a specific group or event within it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="citations", verbose_name=_("incident")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    group = models.ForeignKey(
        DetaineeGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("for group"),
        help_text=_("Optional: the group this source speaks about."),
    )
    event = models.ForeignKey(
        CustodyEvent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("for event"),
    )
    claim = models.TextField(
        _("quoted claim"), blank=True, help_text=_("A short quotation of what the source says.")
    )
    locator = models.CharField(_("page or paragraph"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")

    def __str__(self) -> str:
        return f"{self.source} → {self.incident}"

    def clean(self):
        errors = {}
        if self.group_id and self.incident_id and self.group.incident_id != self.incident_id:
            errors["group"] = _("This group belongs to another incident.")
        if self.event_id:
            if self.incident_id and self.event.group.incident_id != self.incident_id:
                errors["event"] = _("This event belongs to another incident.")
            elif self.group_id and self.event.group_id != self.group_id:
                errors["event"] = _("This event belongs to another group.")
        if errors:
            raise ValidationError(errors)


class Estimate(models.Model):
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
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="estimates", verbose_name=_("source")
    )
    attributed_to = models.CharField(
        _("estimate made by"),
        max_length=200,
        blank=True,
        help_text=_(
            "e.g. 'U.S. Committee for Refugees', when the source reports someone else's figure."
        ),
    )
    claim = models.TextField(_("quoted claim"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )

    objects = EstimateQuerySet.as_manager()

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
    def figure(self) -> str:
        if self.value_high is not None and self.value_high != self.value_low:
            return f"{self.value_low:,}–{self.value_high:,}"
        return EstimatedCount(self.value_low, self.qualifier).render()
