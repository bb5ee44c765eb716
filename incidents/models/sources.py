"""Who says so: sources and the citations that tie them to incidents."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidents.models.common import (
    QUOTE_TEXT,
    VagueDateFields,
    Versioned,
    limited_text,
    unique_slug,
)
from incidents.models.history import HistoricalRecords
from incidents.querysets import (
    SourceQuerySet,
)


class Source(Versioned, VagueDateFields):
    """A document, report or person that a claim rests on.

    A confidential source (e.g. an informant's testimony) is never shown publicly, and a
    record must cite at least one non-confidential source to be published. Its date is as
    vague as the copy we have ("May 2004"); a blog reposting a newspaper `relays` it.
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

    title = models.CharField(
        _("title"),
        max_length=300,
        blank=True,
        help_text=_("Leave empty when unknown; then give the publisher and the date."),
    )
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
    relays = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relayed_by",
        verbose_name=_("relays"),
        help_text=_("The source this one reposts or reports, e.g. a blog relaying Dong-A Ilbo."),
    )
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
    notes_internal = limited_text(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    objects = SourceQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("date_latest").desc(nulls_last=True), "title", "pk"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        permissions = [
            ("curate_source", _("Can change whether a source is confidential, and its slug")),
        ]
        constraints = VagueDateFields.vague_date_constraints("source") + [
            models.CheckConstraint(
                condition=Q(language__regex=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"),
                name="source_language_code",
                violation_error_message=_("Use an ISO 639-1 language code such as 'en' or 'ko'."),
            ),
            models.CheckConstraint(
                condition=~Q(title="") | (~Q(publisher="") & Q(date_earliest__isnull=False)),
                name="source_identifiable",
                violation_error_message=_(
                    "Give a title, or the publisher and the date, so the source can be found."
                ),
            ),
        ]

    def __str__(self) -> str:
        bits = [self.title or _("untitled")]
        if self.publisher:
            bits.append(self.publisher)
        if self.vague_date:
            bits.append(self.vague_date.render())
        label = " — ".join(str(b) for b in bits)
        return f"[confidential] {label}" if self.confidential else label

    @property
    def display_title(self) -> str:
        """The title, or "Untitled (publisher, date)" when the copy we have has none."""
        if self.title:
            return self.title
        when = self.date_display if self.vague_date else ""
        return str(_("Untitled (%(where)s)")) % {
            "where": ", ".join(x for x in (self.publisher, when) if x)
        }

    def clean(self):
        errors = self.clean_vague_date()
        if self.language and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", self.language):
            errors["language"] = _("Use an ISO 639-1 language code such as 'en', 'ko' or 'zh'.")
        if not self.title and not (self.publisher and self.date_earliest):
            errors["title"] = _(
                "Give a title, or the publisher and the date, so the source can be found."
            )
        if self.relays_id and self.pk:
            seen, up = {self.pk}, self.relays
            while up is not None:
                if up.pk in seen:
                    errors["relays"] = _("A source cannot relay itself.")
                    break
                seen.add(up.pk)
                up = up.relays if up.relays_id else None
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.slug:
            dated = f"{self.publisher} {self.vague_date.render() if self.vague_date else ''}"
            self.slug = unique_slug(Source, self.title, dated, instance_pk=self.pk)
        super().save(*args, **kwargs)


class Citation(models.Model):
    """A source backing an incident, or a specific group or event within it."""

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="citations",
        verbose_name=_("incident"),
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    group = models.ForeignKey(
        "incidents.DetaineeGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("for group"),
        help_text=_("Optional: the group this source speaks about."),
    )
    event = models.ForeignKey(
        "incidents.CustodyEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("for event"),
    )
    claim = limited_text(
        _("quoted claim"),
        limit=QUOTE_TEXT,
        blank=True,
        help_text=_("A short quotation of what the source says."),
    )
    locator = models.CharField(_("page or paragraph"), max_length=100, blank=True)

    history = HistoricalRecords()

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
