"""One record each, as the interchange format writes it (version 2; docs/data-format.md).

Every record is built from the public allow-list (public.PUBLIC_FIELDS), plus the private
fields in FULL scope. Related records are referenced by slug (places, sources, actors) or by
position (a citation's group and event, a subgroup's group), never by database id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, Prefetch, Subquery

from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CountFields,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    Estimate,
    EstimateSource,
    EventActor,
    Incident,
    IncidentRevision,
    Location,
    Source,
)
from incidents.public import PRIVATE_FIELDS, pick
from incidents.querysets import CHRONOLOGICAL
from incidents.vague import VagueDate

FORMAT = "refoulement-watch"
VERSION = 2
PUBLIC, FULL = "public", "full"

DATE_FIELDS = ("date_earliest", "date_latest", "date_precision")
COUNT_PARTS = tuple(CountFields.PARTS)  # size, women, men, minors, helpers


class JSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; keep every digit, so that a full export
    loses nothing and re-importing it over the same database finds every record unchanged."""

    def default(self, o):
        if isinstance(o, datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _value(name: str, value):
    """Countries as their codes (`pick` has already converted the public ones)."""
    if name in ("country", "helpers_nationality"):
        if isinstance(value, list | tuple):
            return [getattr(c, "code", c) for c in value]
        return getattr(value, "code", value) or ""
    return value


# Rebuilt on every save (ids, the place path, normalised names, the search index), or written
# by one service only (merged_into: services.merging; files neither carry nor set it).
DERIVED_FIELDS = ("id", "path", "normalized", "search_document", "merged_into")
# A pending revision's link to its live incident: working copies are not records of the file
# (full_export_incidents leaves them out; services.revisions makes and applies them).
NOT_IN_FILES = (*DERIVED_FIELDS, "revision_of", "revision_base_version")


def _fields(obj, model, scope: str) -> dict[str, Any]:
    """Allow-listed public fields, plus the private ones in FULL scope (never `id` or a field
    derived from others, which the database rebuilds)."""
    data = {name: _value(name, value) for name, value in pick(obj, model).items()}
    if scope == FULL:
        for name in PRIVATE_FIELDS[model]:
            if name not in NOT_IN_FILES:
                data[name] = _value(name, getattr(obj, name))
    return data


def vague_date(data: dict) -> dict | None:
    """Pops the three date columns from `data`; the date as the format writes it."""
    earliest, latest, precision = (data.pop(name) for name in DATE_FIELDS)
    if earliest is None:
        return None
    return {
        "text": VagueDate(earliest, latest, precision).render(),
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
        "precision": precision,
    }


def count(data: dict, value: str, high: str, qualifier: str) -> dict:
    return {"value": data.pop(value), "high": data.pop(high), "qualifier": data.pop(qualifier)}


def _shown(source: Source | None, scope: str) -> bool:
    """A claim or citation resting on a confidential source never leaves in PUBLIC scope."""
    return scope == FULL or source is None or not source.confidential


# -- places, sources, actors -----------------------------------------------------------------------
def location_record(location: Location, scope: str) -> dict:
    data = _fields(location, Location, scope)
    data["parent"] = location.parent.slug if location.parent_id else None
    if scope == PUBLIC and location.coordinates_public and location.latitude is not None:
        data["latitude"] = float(location.latitude)
        data["longitude"] = float(location.longitude)
        data["coordinate_precision"] = location.coordinate_precision
    elif scope == FULL:
        for name in ("latitude", "longitude"):
            data[name] = float(data[name]) if data[name] is not None else None
    return data


def source_record(source: Source, scope: str) -> dict:
    data = _fields(source, Source, scope)
    data["date"] = vague_date(data)
    relayed = source.relays if source.relays_id else None
    data["relays"] = relayed.slug if relayed is not None and _shown(relayed, scope) else None
    return data


def actor_record(actor: Actor, scope: str) -> dict:
    data = _fields(actor, Actor, scope)
    data["parent"] = actor.parent.slug if actor.parent_id else None
    return data


# -- incidents -------------------------------------------------------------------------------------
def claim_record(claim: CountClaim, scope: str) -> dict:
    data = _fields(claim, CountClaim, scope)
    data.pop("sequence")  # the list's order
    data["count"] = count(data, "value", "value_high", "qualifier")
    data["source"] = claim.source.slug if claim.source_id else None
    return data


def date_claim_record(claim: DateClaim, scope: str) -> dict:
    data = _fields(claim, DateClaim, scope)
    data.pop("sequence")
    data["date"] = vague_date(data)
    data["source"] = claim.source.slug if claim.source_id else None
    return data


def event_record(event: CustodyEvent, scope: str) -> dict:
    data = _fields(event, CustodyEvent, scope)
    data["date"] = vague_date(data)
    data["location"] = event.location.slug if event.location_id else None
    data["actors"] = [{"actor": a.actor.slug, "role": a.role} for a in event.actors.all()]
    return data


def group_record(group: DetaineeGroup, scope: str, positions: dict[int, int]) -> dict:
    data = _fields(group, DetaineeGroup, scope)
    for part in COUNT_PARTS:
        data[part] = count(data, f"{part}_value", f"{part}_high", f"{part}_qualifier")
    data["parent"] = positions.get(group.parent_id)
    data["arrest_location"] = group.arrest_location.slug if group.arrest_location_id else None
    data["claims"] = [claim_record(c, scope) for c in group.claims.all() if _shown(c.source, scope)]
    data["events"] = [event_record(e, scope) for e in group.events.all()]
    return data


def incident_record(incident: Incident, scope: str) -> dict:
    """Expects `incident` from export_queryset() (everything under it prefetched)."""
    data = _fields(incident, Incident, scope)
    data["date"] = vague_date(data)
    data["date_claims"] = [
        date_claim_record(c, scope) for c in incident.date_claims.all() if _shown(c.source, scope)
    ]
    groups = list(incident.groups.all())
    positions = {g.pk: n for n, g in enumerate(groups, start=1)}
    data["groups"] = [group_record(g, scope, positions) for g in groups]
    event_positions = {
        e.pk: (positions[g.pk], n) for g in groups for n, e in enumerate(g.events.all(), start=1)
    }
    citations = []
    for citation in incident.exported_citations:
        record = _fields(citation, Citation, scope)
        record["source"] = citation.source.slug
        group_pos, event_pos = None, None
        if citation.event_id in event_positions:
            group_pos, event_pos = event_positions[citation.event_id]
        elif citation.group_id in positions:
            group_pos = positions[citation.group_id]
        record["group"], record["event"] = group_pos, event_pos
        citations.append(record)
    data["citations"] = citations
    # The latest public correction notice (export_queryset annotates it), for readers.
    data["corrected_at"] = getattr(incident, "corrected_at", None)
    return data


def estimate_record(estimate: Estimate, scope: str) -> dict:
    data = _fields(estimate, Estimate, scope)
    data["sources"] = [
        {"source": c.source.slug, **_fields(c, EstimateSource, scope)}
        for c in estimate.citations.all()
        if _shown(c.source, scope)
    ]
    return data


# -- querysets ------------------------------------------------------------------------------------
def export_queryset(incidents, scope: str):
    """Prefetches for incident_record(); `incidents` is already filtered and ordered."""
    claims = CountClaim.objects.select_related("source").order_by("part", "sequence", "pk")
    actors = EventActor.objects.select_related("actor").order_by("pk")
    events = (
        CustodyEvent.objects.select_related("location")
        .prefetch_related(Prefetch("actors", queryset=actors))
        .order_by(*CHRONOLOGICAL)
    )
    groups = (
        DetaineeGroup.objects.select_related("arrest_location")
        .prefetch_related(Prefetch("events", queryset=events), Prefetch("claims", queryset=claims))
        .order_by("sequence", "pk")
    )
    citations = Citation.objects.select_related("source").order_by("pk")
    if scope == PUBLIC:
        citations = citations.filter(source__confidential=False)
    date_claims = DateClaim.objects.select_related("source").order_by("sequence", "pk")
    corrected = (
        IncidentRevision.objects.public_notices()
        .filter(incident=OuterRef("pk"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    return incidents.annotate(corrected_at=Subquery(corrected)).prefetch_related(
        Prefetch("groups", queryset=groups),
        Prefetch("citations", queryset=citations, to_attr="exported_citations"),
        Prefetch("date_claims", queryset=date_claims),
    )


def estimates_queryset(scope: str):
    citations = EstimateSource.objects.select_related("source").order_by("pk")
    estimates = Estimate.objects.all() if scope == FULL else Estimate.objects.published()
    return estimates.prefetch_related(Prefetch("citations", queryset=citations)).order_by(
        "period_start", "pk"
    )


def full_export_incidents():
    """Every incident, in the public order (newest first; ties: newest record first), so that
    a restored backup lists ties as the original did (see importer: created last-to-first)."""
    return Incident.objects.records().newest_first()
