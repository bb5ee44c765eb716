"""Incidents, the groups of people in them, and each group's custody timeline."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from incidents.models import counts
from incidents.models.common import VagueDateFields, Versioned, limited_text, unique_slug
from incidents.models.history import HistoricalRecords
from incidents.models.places import Location
from incidents.querysets import (
    CHRONOLOGICAL,
    IncidentQuerySet,
    Status,
)
from incidents.vague import CountQualifier


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
    # The embargo: a scheduled incident is published by `manage.py publish_due` once this has
    # passed, never before (services.embargo). Editors only (services.policy); never public.
    publish_not_before = models.DateTimeField(
        _("publish not before"),
        null=True,
        blank=True,
        help_text=_(
            "Embargo: keep the incident off every public page until this date and time, e.g. "
            "until a family is out of danger. Set it, then press “Schedule”; it is published "
            "automatically once the time has passed. Editors only."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Public: pages, the feed, exports and the API show it, so it moves only when something the
    # public can see changes (services decide). Internal edits move staff_updated_at only;
    # otherwise a feed reader could tell that staff are working on a record right now.
    updated_at = models.DateTimeField(_("last public change"), default=timezone.now, editable=False)
    staff_updated_at = models.DateTimeField(_("last change (staff)"), auto_now=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)
    # What the public search matches: title, summary (both languages), every place name at and
    # above the incident's places, and its public sources' titles and publishers. Derived,
    # kept by services.search_index (PostgreSQL; NULL on SQLite, which searches by substring).
    search_document = SearchVectorField(null=True, editable=False)
    # A working copy: the pending revision of the published incident it points at, edited and
    # reviewed as a draft while the live incident stays unchanged (services.revisions). It is
    # never public (constraint below) and is left out of staff lists of records.
    revision_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="working_copies",
        verbose_name=_("revision of"),
    )
    # The live incident's version the working copy was made from: publishing refuses a
    # revision of a live record that changed since (another revision was published).
    revision_base_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Set by services.merging only: this record was a duplicate and everything it held (groups,
    # citations, date claims) now lives in `merged_into`. A merged incident is archived for
    # good (constraint below), its public address redirects to the survivor's (views).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        verbose_name=_("merged into"),
    )

    objects = IncidentQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_document"])

    class Meta:
        ordering = ["-date_latest", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [
            ("publish_incident", _("Can publish, unpublish and archive incidents")),
            ("restore_incident", _("Can restore deleted incidents")),
        ]
        indexes = [
            # The public list's order (IncidentQuerySet.newest_first), published rows only: a
            # page is an index scan that stops after its rows, with any filter as a semi-join.
            models.Index(
                F("date_latest").desc(nulls_last=True),
                F("date_earliest").desc(),
                F("published_at").desc(nulls_last=True),
                "slug",
                condition=Q(status="published"),
                name="incident_public_order_idx",
            ),
            # The timeline's order (IncidentQuerySet.chronological), published rows only.
            models.Index(
                F("date_earliest").asc(nulls_last=True),
                "date_latest",
                "slug",
                condition=Q(status="published"),
                name="incident_public_chrono_idx",
            ),
            # The Atom feed: published incidents, most recently updated first.
            models.Index(
                F("updated_at").desc(),
                F("id").desc(),
                condition=Q(status="published"),
                name="incident_public_updated_idx",
            ),
            # The public search: one GIN index on the maintained document.
            GinIndex(fields=["search_document"], name="incident_search_document_gin"),
            # The admin changelist's order (Meta.ordering), every status: a page of 100k
            # incidents is an index scan, not a sort of the whole table.
            models.Index(F("date_latest").desc(), F("id").desc(), name="incident_staff_order_idx"),
            # Staff lists by status (review queue, caseworker desk).
            models.Index(fields=["status", "-staff_updated_at"], name="incident_status_staff_idx"),
        ]
        constraints = VagueDateFields.vague_date_constraints("incident") + [
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="incident_status_valid",
                violation_error_message=_("Unknown status."),
            ),
            # A working copy can never be public, whatever code runs.
            models.CheckConstraint(
                condition=Q(revision_of__isnull=True)
                | Q(status__in=[Status.DRAFT, Status.IN_REVIEW]),
                name="incident_working_copy_not_public",
                violation_error_message=_("A pending revision cannot be published itself."),
            ),
            # One pending revision per published incident.
            models.UniqueConstraint(fields=["revision_of"], name="incident_one_working_copy"),
            # Whatever path writes the status, a merged record can never be public again: every
            # public output filters on status = published (querysets.published and a few
            # indexed joins), so this one constraint keeps it out of all of them.
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=Status.ARCHIVED),
                name="incident_merged_is_archived",
                violation_error_message=_("A merged incident stays archived."),
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")),
                name="incident_not_merged_into_itself",
                violation_error_message=_("An incident cannot be merged into itself."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SCHEDULED) | Q(publish_not_before__isnull=False),
                name="incident_scheduled_has_embargo",
                violation_error_message=_(
                    "A scheduled incident needs a “publish not before” time."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = dict(self.clean_vague_date())
        if self.status == Status.SCHEDULED and self.publish_not_before is None:
            errors["publish_not_before"] = _(
                "A scheduled incident needs a “publish not before” time; to publish it "
                "without an embargo, unschedule it first."
            )
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

    def top_groups(self) -> list:
        """Groups that are not part of another: what totals add up (parents counted once)."""
        return [g for g in self.groups.all() if g.parent_id is None]

    @property
    def people_total(self):
        """North Koreans in the incident: the top-level groups' preferred sizes."""
        from incidents.vague import total

        return total(g.size for g in self.top_groups())

    @property
    def helpers_total(self):
        """Helpers and brokers, never added to the North Koreans."""
        from incidents.vague import total

        helpers = [g.count("helpers") for g in self.top_groups() if g.count("helpers").known]
        return total(helpers) if helpers else None


class CountFields:
    """The parts of a group that are estimated counts, with their nouns (plural, singular).

    `size` counts the North Koreans in the group; women, men and minors are parts of them.
    Helpers and brokers (who may be Chinese or South Korean) are counted apart and never added
    to the North Koreans.
    """

    PARTS = {
        "size": (_("North Koreans"), _("North Korean")),
        "women": (_("women"), _("woman")),
        "men": (_("men"), _("man")),
        "minors": (_("minors"), _("minor")),
        "helpers": (_("helpers or brokers"), _("helper or broker")),
    }
    WITHIN_SIZE = ("women", "men", "minors")
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
    }


class DetaineeGroup(models.Model):
    """North Koreans caught together, held together and sharing one fate.

    Split an incident into groups where the report does: by city of arrest or by outcome. A
    group can be part of another ("at least 41 detained, of whom at least 9 returned"): the
    part is a subgroup (`parent`); totals count the parent once, and what no subgroup covers
    is "the rest", whose fate is not reported — never a number no source gave.
    Each figure is the preferred claim's value when the group has claims (models.claims).
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        related_name="groups",
        verbose_name=_("incident"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subgroups",
        verbose_name=_("part of group"),
        help_text=_("For 'of whom…': e.g. the 9 returned out of at least 41 detained."),
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
    size_value = counts.value_field(_("number of North Koreans"))
    size_high = counts.high_field()
    size_qualifier = counts.qualifier_field()
    women_value = counts.value_field(_("women"))
    women_high = counts.high_field()
    women_qualifier = counts.qualifier_field()
    men_value = counts.value_field(_("men"))
    men_high = counts.high_field()
    men_qualifier = counts.qualifier_field()
    minors_value = counts.value_field(_("minors"))
    minors_high = counts.high_field()
    minors_qualifier = counts.qualifier_field()
    helpers_value = counts.value_field(_("helpers or brokers"))
    helpers_high = counts.high_field()
    helpers_qualifier = counts.qualifier_field()
    helpers_nationality = CountryField(
        _("helpers' nationality"),
        multiple=True,
        blank=True,
        help_text=_("Where reported, e.g. China, South Korea."),
    )
    helpers_description = models.CharField(
        _("about the helpers"),
        max_length=300,
        blank=True,
        help_text=_("e.g. 'Chinese guides and a defector resettled in South Korea'. No names."),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=32,
        choices=Outcome.choices,
        default=Outcome.UNKNOWN,
        help_text=_(
            "The latest known fate of this group (of the part no subgroup covers, if it has "
            "subgroups)."
        ),
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
                constraint
                for part in CountFields.PARTS
                for constraint in counts.shape_constraints(
                    f"{part}_value", f"{part}_high", f"{part}_qualifier", f"group_{part}"
                )
            ],
            *[
                # A known part never exceeds a known whole (the size's upper bound).
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
                    | Q(
                        size_qualifier=CountQualifier.RANGE,
                        **{f"{part}_value__lte": F("size_high")},
                    )
                    | (
                        ~Q(size_qualifier=CountQualifier.RANGE)
                        & Q(**{f"{part}_value__lte": F("size_value")})
                    ),
                    name=f"group_{part}_within_size",
                    violation_error_message=_("A part of the group cannot exceed its size."),
                )  # fmt: skip
                for part in CountFields.WITHIN_SIZE
            ],
        ]

    def __str__(self) -> str:
        where = f" in {self.arrest_location.name}" if self.arrest_location_id else ""
        return self.label or f"{self.size.render('North Koreans', singular='North Korean')}{where}"

    def count(self, part: str):
        return counts.read(self, f"{part}_value", f"{part}_high", f"{part}_qualifier")

    @property
    def size(self):
        return self.count("size")

    @property
    def composition(self) -> list[str]:
        """Known parts for pages, e.g. ['at least 4 women', '2 minors'] ('여성 최소 4명')."""
        parts = []
        for part, (plural, singular) in CountFields.COMPOSITION.items():
            count = self.count(part)
            if count.known:
                one = count.value == 1 and count.qualifier == CountQualifier.EXACT
                parts.append(str(singular if one else plural) % {"count": count.localized()})
        return parts

    def clean(self):
        errors = {}
        for part in CountFields.PARTS:
            errors |= counts.problems(self, f"{part}_value", f"{part}_high", f"{part}_qualifier")
        if not errors:
            ceiling = self.size.high
            if ceiling is not None:
                for part in CountFields.WITHIN_SIZE:
                    noun = CountFields.PARTS[part][0]
                    if self.count(part).low > ceiling:
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
        parent = self.parent if self.parent_id else None
        if parent is not None:
            if self.incident_id and parent.incident_id != self.incident_id:
                errors["parent"] = _("A subgroup belongs to a group of the same incident.")
            elif self.pk and parent.pk == self.pk:
                errors["parent"] = _("A group cannot be part of itself.")
            else:
                seen, up = {self.pk}, parent
                while up is not None:
                    if up.pk in seen:
                        errors["parent"] = _("A group cannot be part of itself.")
                        break
                    seen.add(up.pk)
                    up = up.parent if up.parent_id else None
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


class Circumstance(models.TextChoices):
    """How an arrest came about; public codes (exports, API, statistics)."""

    TRAFFIC_OR_ID_CHECK = "traffic_or_id_check", _("Traffic or identity check")
    BUS_OR_TRAIN_CHECK = "bus_or_train_check", _("Check on a bus or train")
    SAFE_HOUSE_RAID = "safe_house_raid", _("Raid on a safe house")
    BORDER_CROSSING = "border_crossing", _("Crossing a border")
    INFORMANT = "informant", _("Informant or denunciation")
    ONLINE_SURVEILLANCE = "online_surveillance", _("Phone or online surveillance")
    OTHER = "other", _("Other")


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
    circumstance = models.CharField(
        _("how the arrest came about"),
        max_length=24,
        choices=Circumstance.choices,
        blank=True,
        help_text=_("For an arrest, where the report says."),
    )
    circumstance_text = models.CharField(
        _("circumstances, as reported"),
        max_length=300,
        blank=True,
        help_text=_("e.g. 'plain-clothes police who had followed them from Liaoning'. No names."),
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
            models.CheckConstraint(
                condition=Q(circumstance="") | Q(circumstance__in=Circumstance.values),
                name="event_circumstance_valid",
                violation_error_message=_("Unknown circumstance."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.date_display}"

    def clean(self):
        errors = self.clean_vague_date()
        if (self.circumstance or self.circumstance_text) and self.kind != EventKind.ARRESTED:
            errors["circumstance"] = _("Circumstances are recorded for arrests.")
        if errors:
            raise ValidationError(errors)


class ReviewQueueItem(Incident):
    """Incidents waiting for an editor: the admin's review queue (a proxy, no table)."""

    class Meta:
        proxy = True
        verbose_name = _("incident awaiting review")
        verbose_name_plural = _("review queue")
