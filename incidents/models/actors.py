"""Who arrested, held, transferred or received the people: police bureaus, border guards,
state security, detention centres, diplomatic missions, UN agencies.

An actor can be a unit of another ("Tumen border detention centre" under "Jilin border
defence"), so statistics and the `actor=` filter can go from a unit up to its ministry.
Actors are linked to custody events with a role (EventActor).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from incidents.models.common import Versioned, limited_text, unique_slug
from incidents.models.history import HistoricalRecords


class Actor(Versioned, models.Model):
    class Kind(models.TextChoices):
        # Public codes: never rename.
        POLICE = "police", _("Police or public security")
        BORDER_GUARD = "border_guard", _("Border guard or border defence")
        STATE_SECURITY = "state_security", _("State security")
        DETENTION = "detention", _("Detention centre or prison administration")
        COURT = "court", _("Court or procuratorate")
        GOVERNMENT = "government", _("Government or ministry")
        DIPLOMATIC_MISSION = "diplomatic_mission", _("Embassy or consulate")
        INTERNATIONAL = "international", _("UN or international agency")
        NGO = "ngo", _("NGO or church group")
        MILITARY = "military", _("Military")
        OTHER = "other", _("Other")

    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_(
            "e.g. 'Liaoning Public Security Bureau', 'North Korean Ministry of State Security'."
        ),
    )
    name_ko = models.CharField(_("Korean name"), max_length=200, blank=True)
    name_local = models.CharField(_("local name"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.POLICE)
    country = CountryField(_("country"), blank=True, help_text=_("Whose authority it is."))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("part of"),
        help_text=_("The body this unit belongs to, e.g. the ministry above a bureau."),
    )
    notes_internal = limited_text(
        _("internal notes"), blank=True, help_text=_("Never shown to the public.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})" if self.country else self.name

    def clean(self):
        seen, parent = {self.pk}, self.parent if self.parent_id else None
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": _("An actor cannot be part of itself.")})
            seen.add(parent.pk)
            parent = parent.parent if parent.parent_id else None

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Actor, self.name, instance_pk=self.pk)
        super().save(*args, **kwargs)


class EventActor(models.Model):
    """An actor's part in one custody event."""

    class Role(models.TextChoices):
        # Public codes: never rename.
        ARRESTED = "arrested", _("arrested them")
        HELD = "held", _("held them")
        INTERROGATED = "interrogated", _("interrogated them")
        TRANSFERRED = "transferred", _("transferred them")
        RECEIVED = "received", _("received them")
        RELEASED = "released", _("released them")
        REQUESTED = "requested", _("made a request for them")
        SHELTERED = "sheltered", _("sheltered them")
        OTHER = "other", _("other part")

    event = models.ForeignKey(
        "incidents.CustodyEvent", on_delete=models.CASCADE, related_name="actors"
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="event_roles", verbose_name=_("actor")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ARRESTED)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("actor in the event")
        verbose_name_plural = _("actors in the event")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "actor", "role"], name="event_actor_unique",
                violation_error_message=_("This actor already has this role in the event."),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.actor} — {self.get_role_display()}"
