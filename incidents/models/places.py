"""Where things happened."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from incidents.models.common import Versioned, limited_text, unique_slug


class Location(Versioned, models.Model):
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
    notes_internal = limited_text(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "province", "city", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        permissions = [
            (
                "curate_location",
                _("Can change a place's coordinates, whether they are public, and its slug"),
            ),
        ]
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
