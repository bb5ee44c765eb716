"""IncidentFilterSet: the ONE filter behind the public list, and later exports, feeds and API,
so that "the export equals what I see" holds by construction.

Every filter matches through Exists() subqueries rather than joins, so an incident with many
groups or events is never duplicated and no DISTINCT is needed.
"""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from incidents.models import (
    Actor,
    DetaineeGroup,
    EventActor,
    Incident,
    IncidentPlace,
    Location,
    LocationName,
    Outcome,
)
from incidents.places import name_variants, normalize
from incidents.search import search
from incidents.vague import VagueDateError, parse_partial_date

MAX_QUERY_LENGTH = 200


class PartialDateField(forms.CharField):
    """Accepts YYYY, YYYY-MM or YYYY-MM-DD; `end=True` resolves to the last day of the period."""

    def __init__(self, *, end: bool, **kwargs):
        self.end = end
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value) -> date | None:
        value = super().clean(value)  # length and required checks on the raw text
        if not value:
            return None
        try:
            return parse_partial_date(value, end=self.end)
        except VagueDateError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class IncidentFilterForm(forms.Form):
    """Form-level checks that one field alone cannot make."""

    def clean_country(self):
        code = (self.cleaned_data.get("country") or "").strip().upper()
        if code and code not in dict(countries):
            raise forms.ValidationError(
                _("'%(code)s' is not an ISO 3166 country code (e.g. CN, RU, KR).") % {"code": code}
            )
        return code

    def clean(self):
        data = super().clean()
        after, before = data.get("date_after"), data.get("date_before")
        if after and before and after > before:
            raise forms.ValidationError(
                _("'From' (%(a)s) is after 'to' (%(b)s).") % {"a": after, "b": before}
            )
        return data


def _groups_of_incident():
    return DetaineeGroup.objects.filter(incident=OuterRef("pk"))


def places_named(text: str):
    """Ids of the places answering to `text` in any language or spelling (incidents.places).

    A name as typed wins over the same name without its generic words: "Jilin Province" is
    the province (whose names include "jilinprovince"), and only if no place is called that
    does it mean every "Jilin"."""
    full = normalize(text)
    looser = name_variants(text) - {full}
    exact = LocationName.objects.filter(normalized=full)
    named = exact
    if looser:
        named = LocationName.objects.filter(
            Q(normalized=full) | (Q(normalized__in=looser) & ~Exists(exact))
        )
    return named.values("location_id")


def at_places(place_ids):
    """Incidents naming one of these places or any place under them: one semi-join on the
    place index (IncidentPlace holds every named place and all its ancestors)."""
    return Exists(IncidentPlace.objects.filter(incident=OuterRef("pk"), location_id__in=place_ids))


class IncidentFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(
        method="filter_city",
        max_length=120,
        label=_("City or place"),
        help_text=_("Any place in the incident: arrest, transfer or custody."),
    )
    country = django_filters.CharFilter(
        method="filter_country", max_length=2, label=_("Country"), help_text=_("ISO code, e.g. CN")
    )
    date_after = PartialDateFilter(
        method="filter_date_after",
        end=False,
        label=_("From"),
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"),
    )
    date_before = PartialDateFilter(
        method="filter_date_before",
        end=True,
        label=_("To"),
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"),
    )
    outcome = django_filters.MultipleChoiceFilter(
        method="filter_outcome", choices=Outcome.choices, label=_("Outcome")
    )
    actor = django_filters.CharFilter(
        method="filter_actor",
        max_length=120,
        label=_("Authority"),
        help_text=_("Who arrested, held or received them, e.g. a police bureau (or its units)."),
    )
    q = django_filters.CharFilter(method="filter_q", max_length=MAX_QUERY_LENGTH, label=_("Search"))

    class Meta:
        model = Incident
        fields = ["city", "country", "date_after", "date_before", "outcome", "actor", "q"]
        form = IncidentFilterForm

    @classmethod
    def public(cls, params) -> IncidentFilterSet:
        """The filter every public output uses: always over published incidents only."""
        return cls(params, queryset=Incident.objects.published())

    def filter_city(self, queryset, name, value):
        """Any place in the incident, or under it: "Liaoning", "랴오닝성", "辽宁", "Jilin
        Province", "Yanbian Korean Autonomous Prefecture" (incidents.places)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(at_places(places_named(value)))

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        if not code:
            return queryset
        country = Location.objects.filter(kind=Location.Kind.COUNTRY, code=code).values("pk")
        return queryset.filter(at_places(country))

    def filter_actor(self, queryset, name, value):
        """An actor by slug or name, and every unit under it."""
        value = value.strip()
        if not value:
            return queryset
        named = Actor.objects.filter(
            Q(slug__iexact=value) | Q(name__iexact=value) | Q(name_ko=value)
            | Q(name_local=value)
        )  # fmt: skip
        ids = set(named.values_list("pk", flat=True))
        frontier = set(ids)
        while frontier:  # units of units: a few levels at most
            frontier = (
                set(Actor.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
            )
            ids |= frontier
        parts = EventActor.objects.filter(actor_id__in=ids, event__group__incident=OuterRef("pk"))
        return queryset.filter(Exists(parts))

    def filter_date_after(self, queryset, name, value: date):
        # Overlap: the incident's latest possible date is on or after the start.
        return queryset.filter(date_latest__gte=value)

    def filter_date_before(self, queryset, name, value: date):
        return queryset.filter(date_earliest__lte=value)

    def filter_outcome(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(_groups_of_incident().filter(outcome__in=value)))

    def filter_q(self, queryset, name, value):
        """Every word must match a public field: title, summary, a place or a public source."""
        return search(queryset, value)
