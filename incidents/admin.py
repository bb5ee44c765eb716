"""Staff entry. One incident page holds its groups, each group's custody events, and the
citations, so a report can be entered in one sitting (django-nested-admin)."""

from __future__ import annotations

import nested_admin
from django.contrib import admin
from django.db import models
from django.forms import Textarea
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.filters import CountryFilter

from incidents.forms import CustodyEventForm, IncidentForm
from incidents.models import (
    Citation,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Outcome,
    Source,
)

# Inline rows get small text boxes; the full-size default makes the tables unusable.
SMALL_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}


def _extra_on_add(obj) -> int:
    """One blank row when the parent is new (the usual case: typing up a fresh report)."""
    return 1 if obj is None or obj.pk is None else 0


class DateTextDisplay:
    """For staff with view permission only: admin then renders every field read-only, looking
    `date_text` up on the admin class, as it is a form field and not a model field."""

    @admin.display(description=_("Date as reported"))
    def date_text(self, obj):
        return obj.date_display


class CustodyEventInline(DateTextDisplay, nested_admin.NestedTabularInline):
    model = CustodyEvent
    form = CustodyEventForm
    fields = ["kind", "date_text", "location", "description", "sequence", "notes_internal"]
    autocomplete_fields = ["location"]
    formfield_overrides = SMALL_TEXT
    is_sortable = False  # events are ordered by date; `sequence` only breaks ties

    def get_extra(self, request, obj=None, **kwargs):
        return _extra_on_add(obj)


class DetaineeGroupInline(nested_admin.NestedStackedInline):
    model = DetaineeGroup
    inlines = [CustodyEventInline]
    # No drag-and-drop (sortable_field_name): nested_admin's formsetsort filter crashes
    # re-rendering a page with errors when two groups share a `sequence`, which the
    # default of 0 makes common. Staff type the order instead.
    is_sortable = False
    autocomplete_fields = ["arrest_location"]
    formfield_overrides = SMALL_TEXT
    fieldsets = [
        (None, {"fields": ["label", "arrest_location", "outcome", "sequence"]}),
        (
            _("How many people"),
            {
                "description": _(
                    "Women, men, minors and helpers are parts of the group and cannot exceed "
                    "its size. Leave a number empty when the report does not say."
                ),
                "fields": [
                    ("size_value", "size_qualifier"),
                    ("women_value", "women_qualifier"),
                    ("men_value", "men_qualifier"),
                    ("minors_value", "minors_qualifier"),
                    ("helpers_value", "helpers_qualifier"),
                ],
            },
        ),
        (_("Internal"), {"fields": ["notes_internal"]}),
    ]

    def get_extra(self, request, obj=None, **kwargs):
        return _extra_on_add(obj)


class CitationFormSet(nested_admin.NestedInlineFormSet):
    """Offers only this incident's groups and events (none yet for a new incident)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        incident = self.instance if self.instance.pk else None
        groups = DetaineeGroup.objects.select_related("arrest_location")
        events = CustodyEvent.objects.select_related("group__arrest_location")
        form.fields["group"].queryset = (
            groups.filter(incident=incident) if incident else groups.none()
        )
        form.fields["event"].queryset = (
            events.filter(group__incident=incident) if incident else events.none()
        )
        # "Arrested – 15 July 2017" is ambiguous across groups: name the group too.
        form.fields["event"].label_from_instance = lambda event: f"{event.group}: {event}"


class CitationInline(nested_admin.NestedTabularInline):
    model = Citation
    formset = CitationFormSet
    fields = ["source", "group", "event", "claim", "locator"]
    autocomplete_fields = ["source"]
    formfield_overrides = SMALL_TEXT
    is_sortable = False

    def get_extra(self, request, obj=None, **kwargs):
        return _extra_on_add(obj)


class ArrestCountryFilter(admin.SimpleListFilter):
    """Country of any group's place of arrest; lists only countries that occur."""

    title = _("country of arrest")
    parameter_name = "arrest_country"

    def lookups(self, request, model_admin):
        codes = (
            Location.objects.filter(arrests__isnull=False)
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )
        return [(code, countries.name(code)) for code in codes]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # A subquery rather than a join, so an incident with two groups there is listed once.
        arrested_there = DetaineeGroup.objects.filter(arrest_location__country=self.value())
        return queryset.filter(pk__in=arrested_there.values("incident"))


@admin.register(Incident)
class IncidentAdmin(DateTextDisplay, nested_admin.NestedModelAdmin):
    form = IncidentForm
    inlines = [DetaineeGroupInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "date_text", "status", "summary"]}),
        (_("Internal"), {"fields": ["notes_internal"]}),
        (_("History"), {"fields": ["created_at", "updated_at", "published_at"]}),
    ]
    list_display = ["title", "date_display", "status", "outcome_list", "people", "updated_at"]
    list_filter = ["status", "groups__outcome", ArrestCountryFilter, "date_precision"]
    search_fields = ["title", "summary", "slug", "groups__arrest_location__name"]
    date_hierarchy = "date_latest"
    list_per_page = 50

    def get_queryset(self, request):
        # outcome_list and people read groups.all(): one prefetch instead of a query per row.
        return super().get_queryset(request).prefetch_related("groups")

    def save_related(self, request, form, formsets, change):
        # Citations before groups and events. A citation pinned to a group deleted in the same
        # POST would otherwise be re-inserted after the cascade removed it, pointing at a
        # missing row (IntegrityError). Saved first, it simply goes with its group.
        formsets = sorted(formsets, key=lambda formset: formset.model is not Citation)
        super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        # The events of a group deleted in this POST went with it (cascade). nested_admin
        # would re-insert any edited one under the vanished group, so skip their formset.
        parent = getattr(formset, "parent_form", None)
        if parent is not None and parent in parent.parent_formset.deleted_forms:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    def get_readonly_fields(self, request, obj=None):
        fixed = ["created_at", "updated_at", "published_at"]
        # The slug is the permanent public URL: optional on add (left blank, save() makes a
        # unique one from the title; no prepopulating JS, whose guess could collide) and
        # fixed afterwards so published links keep working.
        return [*fixed, "slug"] if obj is not None else fixed

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing to show in History yet
            return self.fieldsets[:2]
        return self.fieldsets

    @admin.display(description=_("date"), ordering="date_latest")
    def date_display(self, obj):
        return obj.date_display

    @admin.display(description=_("outcomes"))
    def outcome_list(self, obj):
        return ", ".join(str(Outcome(code).label) for code in obj.outcomes) or "–"

    @admin.display(description=_("people"))
    def people(self, obj):
        return obj.people_total.render()


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "province", "country", "coordinates_public"]
    list_filter = ["kind", ("country", CountryFilter)]  # only countries in use, not all 250
    search_fields = ["name", "name_ko", "name_local", "city", "province", "slug"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_on", "kind", "reliability", "confidential"]
    list_filter = ["kind", "reliability", "confidential", "language"]
    search_fields = ["title", "publisher"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "published_on"


@admin.register(Estimate)
class EstimateAdmin(admin.ModelAdmin):
    list_display = ["description", "figure", "period_start", "period_end", "source", "status"]
    list_filter = ["status", "subject", ("country", CountryFilter)]
    list_select_related = ["source"]
    search_fields = ["description", "attributed_to", "claim"]
    autocomplete_fields = ["source"]
