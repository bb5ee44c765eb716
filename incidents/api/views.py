"""Read-only API views: published() querysets + IncidentFilterSet + interchange records.

Nothing here names a model field: items are `interchange.*_record(..., PUBLIC)` dicts, built
from the public allow-list, with a few links added. Only GET, HEAD and OPTIONS are routed
(other methods get 405), and anonymous clients are throttled (REST_FRAMEWORK in settings).
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from incidents.api import serializers as docs
from incidents.filters import IncidentFilterForm, IncidentFilterSet, PartialDateFilter
from incidents.interchange import (
    PUBLIC,
    actor_record,
    export_queryset,
    incident_record,
    location_record,
    source_record,
)
from incidents.interchange import JSONEncoder as InterchangeEncoder  # same datetimes as exports
from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    DateClaim,
    Estimate,
    EstimateSource,
    EventActor,
    Incident,
    IncidentPlace,
    Location,
    Source,
    Status,
)
from incidents.querysets import published_survivor
from incidents.search import best_matches_first


class PublicPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """A page_size that is not a positive whole number is the client's error (400); DRF
        would silently fall back to the default. Larger than the maximum is capped, as in DRF."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) >= 1):
            raise ValidationError(
                {"errors": {"page_size": [f"Use a whole number from 1 to {self.max_page_size}."]}}
            )
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema):
        """DRF's schema, with example links that look like ours rather than '/accounts/'."""
        response = super().get_paginated_response_schema(schema)
        for name, page in (("next", 3), ("previous", 1)):
            response["properties"][name]["example"] = f"https://example.org/api/…/?page={page}"
        return response


class LocationFilterSet(django_filters.FilterSet):
    """?country= for places, validated as on the incident list (IncidentFilterForm): the
    country's own place and every place in it, at any depth (a place's `country` is copied from
    its ancestors by services.places, so a detention centre in Moscow is in RU)."""

    country = django_filters.CharFilter(
        method="filter_country", max_length=2, label=_("Country"), help_text=_("ISO code, e.g. CN")
    )

    class Meta:
        model = Location
        fields = ["country"]
        form = IncidentFilterForm

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value) if value else queryset


# -- querysets ------------------------------------------------------------------------------------
# Each list holds what the public JSON export (interchange.jsondoc, scope PUBLIC, unfiltered)
# holds under the same key, so that every slug in an incident record, and every `parent` or
# `relays` slug in these lists, can be looked up here.


def _above(queryset, link: str, start) -> set[int]:
    """Ids of the records of `queryset` that the ids in `start` name, following `link` upwards
    (a place's or an actor's parent, the source a source relays), and those they name in turn.
    One query per level, so the count depends on the depth of the hierarchy, never on its size.
    A record outside `queryset` (a confidential source) is not followed."""
    found: set[int] = set()
    todo = {pk for pk in start if pk is not None}
    while todo:
        rows = list(queryset.filter(pk__in=todo).values_list("pk", f"{link}_id"))
        found |= {pk for pk, _up in rows}
        todo = {up for _pk, up in rows if up is not None} - found
    return found


def public_locations():
    """Places named by a published incident (a place of arrest or of a custody event), and
    every place those lie in (Shenyang brings Liaoning and China), each with the number of
    published incidents at it or anywhere within it.

    The incidents' place index (IncidentPlace) holds every named place and all its ancestors,
    so one subquery counts both, as the incident list's place filter finds them (that filter
    reads the same index); a place only drafts name is not listed."""
    count = (
        IncidentPlace.objects.filter(location=OuterRef("pk"), incident__status=Status.PUBLISHED)
        .order_by()
        .values("location")
        .annotate(n=Count("incident", distinct=True))
        .values("n")
    )
    return (
        Location.objects.annotate(published_incidents=Subquery(count))
        .filter(published_incidents__gt=0)
        .select_related("parent")
        .order_by("slug")
    )


def public_sources():
    """Non-confidential sources cited by a published incident, one of its count claims or date
    claims, or a published estimate; and the non-confidential sources those relay, and so on."""
    published = Incident.objects.published()
    cited = Citation.objects.filter(source=OuterRef("pk"), incident__in=published)
    claimed = CountClaim.objects.filter(source=OuterRef("pk"), group__incident__in=published)
    dated = DateClaim.objects.filter(source=OuterRef("pk"), incident__in=published)
    estimated = EstimateSource.objects.filter(
        source=OuterRef("pk"), estimate__in=Estimate.objects.published()
    )
    used = Exists(cited) | Exists(claimed) | Exists(dated) | Exists(estimated)
    public = Source.objects.public()
    relayed = _above(public, "relays", public.filter(used).values_list("relays_id", flat=True))
    return public.filter(used | Q(pk__in=relayed)).select_related("relays").order_by("slug")


def public_actors():
    """Actors taking part in custody events of published incidents, and every body they are
    units of (a bureau brings its ministry). Actors are public reference data, but one that no
    published incident names is not listed: its existence may say what staff are working on."""
    parts = EventActor.objects.filter(
        actor=OuterRef("pk"), event__group__incident__in=Incident.objects.published()
    )
    used = Exists(parts)
    above = _above(
        Actor.objects.all(),
        "parent",
        Actor.objects.filter(used).values_list("parent_id", flat=True),
    )
    return Actor.objects.filter(used | Q(pk__in=above)).select_related("parent").order_by("slug")


# -- schema helpers -------------------------------------------------------------------------------
def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """Query parameters documented from a FilterSet's declared filters."""
    parameters = []
    for name, spec in filterset_class.base_filters.items():
        help_text = spec.extra.get("help_text")
        # Lazy, so that the schema is in the language of each request.
        description = (
            format_lazy("{}. {}", spec.label, help_text)
            if help_text
            else format_lazy("{}.", spec.label)
        )
        if isinstance(spec, django_filters.MultipleChoiceFilter):
            parameters.append(
                OpenApiParameter(
                    name,
                    OpenApiTypes.STR,
                    description=format_lazy("{} {}", description, _("Repeat for any of several.")),
                    enum=[code for code, _label in spec.extra["choices"]],
                    many=True,
                    explode=True,
                    style="form",
                )
            )
        elif isinstance(spec, PartialDateFilter):
            parameters.append(
                OpenApiParameter(
                    name,
                    OpenApiTypes.STR,
                    description=description,
                    pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
                )
            )
        else:
            parameters.append(OpenApiParameter(name, OpenApiTypes.STR, description=description))
    return parameters


ERRORS = {
    400: docs.ErrorSerializer,
    404: docs.DetailSerializer,
    429: docs.DetailSerializer,
}


def invalid(filterset) -> Response:
    """400 with {"errors": {parameter: [messages]}}, the shape of the JSON export's errors;
    a problem with a combination of parameters is under "__all__"."""
    errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
    return Response({"errors": errors}, status=400)


# -- views ----------------------------------------------------------------------------------------
class RecordJSONRenderer(JSONRenderer):
    """Encodes dates and times exactly as the JSON export does (interchange._dump)."""

    encoder_class = InterchangeEncoder


class PublicAPIView(GenericAPIView):
    pagination_class = PublicPagination
    renderer_classes = [RecordJSONRenderer]

    def absolute(self, url: str) -> str:
        return self.request.build_absolute_uri(url)


class IncidentRecordMixin:
    def record(self, incident: Incident) -> dict:
        data = incident_record(incident, PUBLIC)
        data["url"] = self.absolute(reverse("api:incident-detail", kwargs={"slug": incident.slug}))
        data["html_url"] = self.absolute(incident.get_absolute_url())
        return data


class IncidentList(IncidentRecordMixin, PublicAPIView):
    @extend_schema(
        operation_id="incidents_list",
        summary=_("Published incidents"),
        description=_(
            "Published incidents, newest first, with the filters of the public list page. "
            "Places and sources are referenced by slug: see /api/locations/ and /api/sources/."
        ),
        parameters=filter_parameters(IncidentFilterSet),
        responses={200: docs.IncidentRecordSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        filterset = IncidentFilterSet.public(request.query_params)
        if not filterset.is_valid():
            return invalid(filterset)
        ranked = best_matches_first(filterset.qs, filterset.form.cleaned_data.get("q"))
        incidents = export_queryset(ranked.newest_first(), PUBLIC)
        page = self.paginate_queryset(incidents)
        return self.get_paginated_response([self.record(i) for i in page])


class IncidentDetail(IncidentRecordMixin, PublicAPIView):
    pagination_class = None

    @extend_schema(
        operation_id="incidents_retrieve",
        summary=_("One published incident"),
        responses={
            200: docs.IncidentRecordSerializer,
            301: docs.MergedSerializer,
            404: docs.DetailSerializer,
            429: ERRORS[429],
        },
    )
    def get(self, request, slug):
        queryset = Incident.objects.published().filter(slug=slug)
        incident = export_queryset(queryset, PUBLIC).first()
        if incident is None:
            survivor = published_survivor(slug)
            if survivor is not None:
                return self.moved(survivor)
            raise NotFound(_("No published incident at this address."))
        return Response(self.record(incident))

    def moved(self, survivor: Incident) -> Response:
        """An incident merged into another (a duplicate): 301 to the survivor's record, with a
        body saying so for clients that do not follow redirects."""
        url = self.absolute(reverse("api:incident-detail", kwargs={"slug": survivor.slug}))
        body = {
            "detail": _("This incident was merged into another record."),
            "merged_into": survivor.slug,
            "url": url,
            "html_url": self.absolute(survivor.get_absolute_url()),
        }
        return Response(body, status=301, headers={"Location": url})


class LocationList(PublicAPIView):
    @extend_schema(
        operation_id="locations_list",
        summary=_("Places in published incidents"),
        description=_(
            "Every place where a published incident has an arrest or custody event, and every "
            "place those lie in (a city brings its province and country: follow `parent`), by "
            "slug, with the number of published incidents at each place or within it. "
            "Coordinates are given only where they are safe to publish."
        ),
        parameters=filter_parameters(LocationFilterSet),
        responses={200: docs.LocationListItemSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        filterset = LocationFilterSet(request.query_params, queryset=public_locations())
        if not filterset.is_valid():
            return invalid(filterset)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response([self.item(place) for place in page])

    def item(self, place: Location) -> dict:
        data = location_record(place, PUBLIC)
        data["published_incidents"] = place.published_incidents
        return data


class SourceList(PublicAPIView):
    @extend_schema(
        operation_id="sources_list",
        summary=_("Public sources"),
        description=_(
            "Sources cited by published incidents or published estimates, by slug. "
            "Confidential sources are never listed."
        ),
        responses={200: docs.SourceRecordSerializer(many=True), 404: ERRORS[404], 429: ERRORS[429]},
    )
    def get(self, request):
        page = self.paginate_queryset(public_sources())
        return self.get_paginated_response([source_record(s, PUBLIC) for s in page])


class ActorList(PublicAPIView):
    @extend_schema(
        operation_id="actors_list",
        summary=_("Authorities in published incidents"),
        description=_(
            "Who arrested, held, transferred or received people in published incidents "
            "(police bureaus, border guards, state security…), and the bodies they belong to."
        ),
        responses={200: docs.ActorRecordSerializer(many=True), 404: ERRORS[404], 429: ERRORS[429]},
    )
    def get(self, request):
        page = self.paginate_queryset(public_actors())
        return self.get_paginated_response([actor_record(a, PUBLIC) for a in page])


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema; JSON unless YAML is asked for (?format=yaml or Accept)."""

    renderer_classes = [
        OpenApiJsonRenderer,
        OpenApiJsonRenderer2,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]
