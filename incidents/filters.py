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

from incidents.models import DetaineeGroup, Incident, Location, Outcome
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


def _at_locations(locations) -> Q:
    """Groups arrested at, or with a custody event at, any of `locations`."""
    return Q(arrest_location__in=locations) | Q(events__location__in=locations)


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
    q = django_filters.CharFilter(method="filter_q", max_length=MAX_QUERY_LENGTH, label=_("Search"))

    class Meta:
        model = Incident
        fields = ["city", "country", "date_after", "date_before", "outcome", "q"]
        form = IncidentFilterForm

    @classmethod
    def public(cls, params) -> IncidentFilterSet:
        """The filter every public output uses: always over published incidents only."""
        return cls(params, queryset=Incident.objects.published())

    def filter_city(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        places = Location.objects.filter(
            Q(slug__iexact=value)
            | Q(name__iexact=value)
            | Q(city__iexact=value)
            | Q(name_ko=value)
            | Q(name_local=value)
        )
        return queryset.filter(Exists(_groups_of_incident().filter(_at_locations(places))))

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        if not code:
            return queryset
        places = Location.objects.filter(country=code)
        return queryset.filter(Exists(_groups_of_incident().filter(_at_locations(places))))

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
