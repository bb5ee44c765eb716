"""Documentation-only serializers: the shape of the interchange records, for the OpenAPI schema.

Responses are never built through these classes; the views return
`incidents.interchange.*_record(..., PUBLIC)` dicts. Model fields are taken from the public
allow-list (PUBLIC_FIELDS), so a field made public later appears here too, and
tests/test_api.py checks that these shapes and the real records have the same keys.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.interchange import COUNT_PARTS, DATE_FIELDS
from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CountQualifier,
    CustodyEvent,
    DateClaim,
    DatePrecision,
    DetaineeGroup,
    EventActor,
    Incident,
    Location,
    Source,
)
from incidents.public import PUBLIC_FIELDS

COUNT_FIELDS = tuple(
    f"{part}_{suffix}" for part in COUNT_PARTS for suffix in ("value", "high", "qualifier")
)


def public_fields(model, *, replaced=(), added=()) -> list[str]:
    """PUBLIC_FIELDS[model], minus those the record restructures, plus the record's own."""
    return [name for name in PUBLIC_FIELDS[model] if name not in replaced] + list(added)


class RecordSerializer(serializers.ModelSerializer):
    # Model fields as output only: read-only, without the editors' help texts or input rules.
    # (No docstring: drf-spectacular would show it as the description of every record.)

    KEPT = ("choices", "allow_null", "label", "max_digits", "decimal_places")

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        return field_class, {
            **{k: v for k, v in kwargs.items() if k in self.KEPT},
            "read_only": True,
        }


class VagueDateSerializer(serializers.Serializer):
    """A date as precise as the sources give it."""

    text = serializers.CharField(help_text=_("As reported, e.g. '15–17 July 2017'."))
    earliest = serializers.DateField(help_text=_("First day it may have happened."))
    latest = serializers.DateField(help_text=_("Last day it may have happened."))
    precision = serializers.ChoiceField(choices=DatePrecision.choices)


class CountSerializer(serializers.Serializer):
    """A number as the sources give it: a value, the top of a range, and a qualifier."""

    value = serializers.IntegerField(allow_null=True, min_value=0)
    high = serializers.IntegerField(
        allow_null=True, min_value=0, help_text=_("The top of a range such as 27–29.")
    )
    qualifier = serializers.ChoiceField(
        choices=CountQualifier.choices, help_text=_("How the source gives the number.")
    )


class LocationRecordSerializer(RecordSerializer):
    """A place, referenced by its slug from incidents."""

    country = serializers.CharField(help_text=_("ISO 3166-1 alpha-2 code, e.g. CN."))
    latitude = serializers.FloatField(
        required=False, help_text=_("Present only for places whose coordinates are public.")
    )
    longitude = serializers.FloatField(required=False)
    coordinate_precision = serializers.ChoiceField(
        choices=Location.CoordinatePrecision.choices, required=False
    )

    parent = serializers.SlugField(
        allow_null=True, help_text=_("Slug of the place this one lies in (null for countries).")
    )

    class Meta:
        model = Location
        fields = public_fields(
            Location, added=("parent", "latitude", "longitude", "coordinate_precision")
        )


class LocationListItemSerializer(LocationRecordSerializer):
    """A place, with the number of published incidents there."""

    published_incidents = serializers.IntegerField(
        min_value=1,
        help_text=_(
            "Published incidents with an arrest or custody event at this place or at a place "
            "within it."
        ),
    )

    class Meta(LocationRecordSerializer.Meta):
        fields = [*LocationRecordSerializer.Meta.fields, "published_incidents"]


class SourceRecordSerializer(RecordSerializer):
    """A public source, referenced by its slug from citations and claims."""

    date = VagueDateSerializer(allow_null=True, help_text=_("As vague as the copy we have."))
    relays = serializers.SlugField(
        allow_null=True, help_text=_("Slug of the source this one reposts or reports.")
    )

    class Meta:
        model = Source
        fields = public_fields(Source, replaced=DATE_FIELDS, added=("date", "relays"))


class ActorRecordSerializer(RecordSerializer):
    """An authority: a police bureau, a border guard unit, a ministry…"""

    country = serializers.CharField(allow_blank=True)
    parent = serializers.SlugField(allow_null=True, help_text=_("The body it belongs to."))

    class Meta:
        model = Actor
        fields = public_fields(Actor, added=("parent",))


class EventActorSerializer(serializers.Serializer):
    actor = serializers.SlugField(help_text=_("Slug of an actor in /api/actors/."))
    role = serializers.ChoiceField(choices=EventActor.Role.choices)


class CountClaimSerializer(RecordSerializer):
    """One public source's version of a figure."""

    count = CountSerializer()
    source = serializers.SlugField(allow_null=True, help_text=_("Slug of a source."))

    class Meta:
        model = CountClaim
        fields = public_fields(
            CountClaim,
            replaced=("value", "value_high", "qualifier", "sequence"),
            added=("count", "source"),
        )


class DateClaimSerializer(RecordSerializer):
    """One public source's version of the date."""

    date = VagueDateSerializer(allow_null=True)
    source = serializers.SlugField(allow_null=True)

    class Meta:
        model = DateClaim
        fields = public_fields(
            DateClaim, replaced=(*DATE_FIELDS, "sequence"), added=("date", "source")
        )


class EventRecordSerializer(RecordSerializer):
    """One step of a group's custody: arrest, transfer, repatriation..."""

    date = VagueDateSerializer(allow_null=True)
    location = serializers.SlugField(
        allow_null=True, help_text=_("Slug of a place in /api/locations/.")
    )
    actors = EventActorSerializer(many=True, help_text=_("Who acted, and how."))

    class Meta:
        model = CustodyEvent
        fields = public_fields(
            CustodyEvent, replaced=DATE_FIELDS, added=("date", "location", "actors")
        )


class GroupRecordSerializer(RecordSerializer):
    """A group of people arrested together, and what happened to them."""

    size = CountSerializer(help_text=_("North Koreans in the group (the preferred figure)."))
    women = CountSerializer()
    men = CountSerializer()
    minors = CountSerializer()
    helpers = CountSerializer(
        help_text=_("Helpers or brokers arrested with the group; not counted in size.")
    )
    helpers_nationality = serializers.ListField(child=serializers.CharField())
    parent = serializers.IntegerField(
        allow_null=True, help_text=_("Position of the group this one is part of ('of whom').")
    )
    arrest_location = serializers.SlugField(
        allow_null=True, help_text=_("Slug of a place in /api/locations/.")
    )
    claims = CountClaimSerializer(many=True, help_text=_("Every public source's figures."))
    events = EventRecordSerializer(many=True, help_text=_("Custody timeline, oldest first."))

    class Meta:
        model = DetaineeGroup
        fields = public_fields(
            DetaineeGroup,
            replaced=(*COUNT_FIELDS, "helpers_nationality"),
            added=(*COUNT_PARTS, "helpers_nationality", "parent", "arrest_location", "claims",
                   "events"),
        )  # fmt: skip


class CitationRecordSerializer(RecordSerializer):
    """A claim from a public source, about the incident, a group or an event."""

    source = serializers.SlugField(help_text=_("Slug of a source in /api/sources/."))
    group = serializers.IntegerField(
        allow_null=True, help_text=_("Position (from 1) of the group the claim is about.")
    )
    event = serializers.IntegerField(
        allow_null=True, help_text=_("Position (from 1) of the event within that group.")
    )

    class Meta:
        model = Citation
        fields = public_fields(Citation, added=("source", "group", "event"))


class IncidentRecordSerializer(RecordSerializer):
    """A published incident, as in the JSON export, with links."""

    date = VagueDateSerializer(allow_null=True)
    date_claims = DateClaimSerializer(many=True, help_text=_("Every public source's date."))
    groups = GroupRecordSerializer(many=True)
    citations = CitationRecordSerializer(
        many=True, help_text=_("Claims from public sources; confidential ones are never listed.")
    )
    corrected_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When the latest public correction notice was published (see the incident's page); "
            "null if the record was never corrected."
        ),
    )
    url = serializers.URLField(help_text=_("This record in the API."))
    html_url = serializers.URLField(help_text=_("The public page of this incident."))

    class Meta:
        model = Incident
        fields = public_fields(
            Incident,
            replaced=DATE_FIELDS,
            added=("date", "date_claims", "groups", "citations", "corrected_at", "url", "html_url"),
        )


class ErrorSerializer(serializers.Serializer):
    """Invalid query parameters."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Messages per query parameter; '__all__' for a combination of them."),
    )


class DetailSerializer(serializers.Serializer):
    """Not found, or too many requests."""

    detail = serializers.CharField()


class MergedSerializer(serializers.Serializer):
    """A duplicate merged into another record: 301, Location = the survivor's record."""

    detail = serializers.CharField()
    merged_into = serializers.SlugField(help_text=_("The slug of the record it was merged into."))
    url = serializers.URLField()
    html_url = serializers.URLField()
