"""The allow-list of public fields, and the one serialisation every public output uses.

Public pages, exports, feeds and the API never touch model instances directly: they receive
plain dicts built here. A field that is not named in PUBLIC_FIELDS cannot reach the public,
so a field added to a model later is private until someone adds it here on purpose
(tests/test_public.py fails until each new field is classified as public or private).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, pgettext

from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    Estimate,
    EstimateSource,
    EventActor,
    EventKind,
    Incident,
    IncidentPlace,
    IncidentRevision,
    Location,
    LocationName,
    Outcome,
    ReviewComment,
    Source,
)
from incidents.vague import CountQualifier

_COUNT = ("value", "high", "qualifier")

PUBLIC_FIELDS: dict[type, tuple[str, ...]] = {
    Incident: (
        "slug", "title", "summary", "title_ko", "summary_ko", "date_earliest", "date_latest",
        "date_precision", "published_at", "updated_at",
    ),
    DetaineeGroup: (
        "sequence", "label", "outcome",
        *(f"{part}_{col}" for part in ("size", "women", "men", "minors", "helpers")
          for col in _COUNT),
        "helpers_nationality", "helpers_description",
    ),
    CustodyEvent: (
        "sequence", "kind", "description", "date_earliest", "date_latest", "date_precision",
        "circumstance", "circumstance_text",
    ),
    Location: (
        "slug", "name", "name_ko", "name_local", "alternate_names", "kind", "code", "city",
        "province", "country",
    ),
    Source: (
        "slug", "title", "publisher", "url", "archive_url", "date_earliest", "date_latest",
        "date_precision", "kind", "language", "reliability",
    ),
    Citation: ("claim", "locator"),
    CountClaim: (
        "part", "value", "value_high", "qualifier", "wording", "quotation", "locator",
        "preferred", "preferred_reason", "sequence",
    ),
    DateClaim: (
        "date_earliest", "date_latest", "date_precision", "wording", "quotation", "locator",
        "preferred", "preferred_reason", "sequence",
    ),
    Actor: ("slug", "name", "name_ko", "name_local", "kind", "country"),
    EventActor: ("role",),
    Estimate: (
        "subject", "description", "country", "period_start", "period_end", "value_low",
        "value_high", "qualifier", "attributed_to",
    ),
    EstimateSource: ("claim", "locator"),
    LocationName: (),
    IncidentPlace: (),
    # A published revision's public part: its dated correction notice (when not minor).
    IncidentRevision: ("number", "published_at", "notice"),
    ReviewComment: (),
}  # fmt: skip

# Fields that are deliberately never public. Every concrete model field must be in exactly
# one of PUBLIC_FIELDS, PRIVATE_FIELDS or RELATION_FIELDS (checked by tests/test_public.py).
PRIVATE_FIELDS: dict[type, tuple[str, ...]] = {
    # version and staff_updated_at move with internal edits: public, they would tell an outsider
    # when staff are working on a record.
    # search_document: derived from public text only, but an index, not data to publish.
    # revision_of, revision_base_version: a pending revision's link to its live incident.
    # merged_into: a merged incident is never public (its address redirects instead).
    # publish_not_before: an embargo's end, in the full (staff) exports only; public, it would
    # announce that something is about to be published, and when.
    Incident: ("id", "status", "notes_internal", "created_at", "version", "staff_updated_at",
               "search_document", "revision_of", "revision_base_version",
               "merged_into", "publish_not_before"),  # fmt: skip
    DetaineeGroup: ("id", "notes_internal"),
    CustodyEvent: ("id", "notes_internal"),
    # Coordinates are published only through public_location() when coordinates_public is set.
    Location: (
        "id", "latitude", "longitude", "coordinate_precision", "coordinates_public",
        "notes_internal", "version", "path",
    ),
    Source: ("id", "confidential", "notes_internal", "version"),
    Citation: ("id",),
    CountClaim: ("id",),
    DateClaim: ("id",),
    Actor: ("id", "notes_internal", "version"),
    EventActor: ("id",),
    Estimate: ("id", "status", "version"),
    EstimateSource: ("id",),
    # Internal indexes, rebuilt from the record.
    LocationName: ("id", "normalized"),
    IncidentPlace: ("id",),
    # The records before and after, and what changed, hold internal notes and confidential
    # claims: staff only. Review comments are staff only.
    IncidentRevision: ("id", "minor", "substantive", "before", "after", "changes"),
    ReviewComment: ("id", "created_at", "step", "field", "text"),
}  # fmt: skip

# Foreign keys: followed explicitly below, never dumped as raw ids. A claim's or a relayed
# source is followed only when that source is not confidential.
RELATION_FIELDS: dict[type, tuple[str, ...]] = {
    Incident: (),
    DetaineeGroup: ("incident", "arrest_location", "parent"),
    CustodyEvent: ("group", "location"),
    Location: ("parent",),
    Source: ("relays",),
    Citation: ("incident", "source", "group", "event"),
    CountClaim: ("group", "source"),
    DateClaim: ("incident", "source"),
    Actor: ("parent",),
    EventActor: ("event", "actor"),
    Estimate: (),
    EstimateSource: ("estimate", "source"),
    LocationName: ("location",),
    IncidentPlace: ("incident", "location"),
    IncidentRevision: ("incident", "proposed_by", "published_by"),
    ReviewComment: ("incident", "author"),
}


def pick(obj, model: type) -> dict[str, Any]:
    data = {}
    for name in PUBLIC_FIELDS[model]:
        value = getattr(obj, name)
        if name == "country":
            value = value.code
        elif name == "helpers_nationality":
            value = [c.code for c in value]
        data[name] = value
    return data


def korean() -> bool:
    """Is the page being rendered for a Korean reader?"""
    return (get_language() or "").startswith("ko")


class Memo(dict):
    """Per-page cache of the dicts below, keyed by (kind, pk): a list page names the same
    places and sources many times, and each dict costs translation lookups."""

    def get_or(self, key, build):
        if key not in self:
            self[key] = build()
        return self[key]


def public_location(location: Location | None, memo: Memo | None = None) -> dict[str, Any] | None:
    if location is None:
        return None
    if memo is not None:
        return memo.get_or(
            ("place", location.pk, get_language()), lambda: public_location(location)
        )
    data = pick(location, Location)
    data["kind_label"] = location.get_kind_display()
    data["country_name"] = str(location.country.name) if location.country else ""
    # Korean readers see the Korean name where an editor gave one: "중국 선양".
    local_name = korean() and location.name_ko
    data["display_name"] = local_name or location.name
    data["label"] = (
        pgettext("place, country", "%(place)s, %(country)s")
        % {"place": local_name or location.place_label(), "country": location.country.name}
        if location.country and location.kind != Location.Kind.COUNTRY
        else (local_name or location.name)
    )
    if location.coordinates_public and location.latitude is not None:
        data["latitude"] = float(location.latitude)
        data["longitude"] = float(location.longitude)
        data["coordinate_precision"] = location.coordinate_precision
    else:
        data["latitude"] = data["longitude"] = data["coordinate_precision"] = None
    return data


def public_source(source: Source, memo: Memo | None = None) -> dict[str, Any]:
    assert not source.confidential, "confidential sources must be filtered out by the queryset"
    if memo is not None:
        return memo.get_or(("source", source.pk, get_language()), lambda: public_source(source))
    data = pick(source, Source)
    data["display_title"] = source.display_title
    data["date_display"] = source.date_display if source.vague_date else ""
    data["kind_label"] = source.get_kind_display()
    data["reliability_label"] = source.get_reliability_display()
    relayed = source.relays if source.relays_id else None
    data["relays"] = (
        {"slug": relayed.slug, "display_title": relayed.display_title,
         "publisher": relayed.publisher}
        if relayed is not None and not relayed.confidential else None
    )  # fmt: skip
    data["by"] = source.publisher or source.display_title
    return data


def public_actor(actor: Actor) -> dict[str, Any]:
    data = pick(actor, Actor)
    data["kind_label"] = actor.get_kind_display()
    data["display_name"] = (korean() and actor.name_ko) or actor.name
    return data


def public_event(event: CustodyEvent, memo: Memo | None = None) -> dict[str, Any]:
    data = pick(event, CustodyEvent)
    data["kind_label"] = EventKind(event.kind).label
    data["date_display"] = event.date_display
    data["date_iso"] = event.vague_date.iso() if event.vague_date else None
    data["location"] = public_location(event.location, memo)
    data["circumstance_label"] = event.get_circumstance_display() if event.circumstance else ""
    data["actors"] = [
        {**public_actor(part.actor), "role": part.role, "role_label": part.get_role_display()}
        for part in event.actors.all()
    ]
    return data


def _claim(claim: CountClaim, memo: Memo | None) -> dict[str, Any]:
    data = pick(claim, CountClaim)
    data["display"] = claim.count.localized()
    data["part_label"] = claim.get_part_display()
    data["source"] = public_source(claim.source, memo) if claim.source_id else None
    return data


def public_claims(claims, memo: Memo | None = None) -> list[dict]:
    """The claims a reader may see: never one resting on a confidential source."""
    return [_claim(c, memo) for c in claims if not (c.source_id and c.source.confidential)]


def _figure(group: DetaineeGroup, part: str, claims: list[dict]) -> dict[str, Any]:
    """A group's figure as pages show it: "29 — also reported: 27 (KBS World)"."""
    count = group.count(part)
    mine = [c for c in claims if c["part"] == part]
    return {
        "display": count.localized(),
        "known": count.known,
        "claims": mine,
        "alternatives": [
            c for c in mine
            if (c["value"], c["value_high"], c["qualifier"])
            != (count.value, count.value_high, count.qualifier)
        ],
    }  # fmt: skip


def public_group(group: DetaineeGroup, memo: Memo | None = None) -> dict[str, Any]:
    data = pick(group, DetaineeGroup)
    claims = public_claims(group.claims.all(), memo)
    data["outcome_label"] = Outcome(group.outcome).label
    data["size_display"] = group.size.localized()
    data["size"] = _figure(group, "size", claims)
    data["helpers"] = _figure(group, "helpers", claims)
    data["helpers_nationality_names"] = [str(c.name) for c in group.helpers_nationality]
    data["composition"] = group.composition
    data["claims"] = claims
    data["arrest_location"] = public_location(group.arrest_location, memo)
    data["events"] = [public_event(e, memo) for e in group.events.all()]
    data["position"] = None
    data["parent_position"] = None
    data["subgroups"] = []
    data["rest_unreported"] = False
    data["rest_outcome_label"] = ""
    return data


def _nest(incident: Incident, groups: list[dict]) -> list[dict]:
    """Subgroups under their groups. What the subgroups may not cover of a group is "the
    rest": its fate is the group's outcome when reported, else "fate not reported" — never a
    number no source gave."""
    models_ = list(incident.groups.all())
    position = {g.pk: n for n, g in enumerate(models_, start=1)}
    top = []
    for model, data in zip(models_, groups, strict=True):
        data["position"] = position[model.pk]
        data["parent_position"] = position.get(model.parent_id)
    by_pk = {m.pk: d for m, d in zip(models_, groups, strict=True)}
    for model, data in zip(models_, groups, strict=True):
        parent = by_pk.get(model.parent_id)
        (parent["subgroups"] if parent is not None else top).append(data)
    for model, data in zip(models_, groups, strict=True):
        parts = [m for m in models_ if m.parent_id == model.pk]
        if parts:
            exact = [model.size, *(p.size for p in parts)]
            covered = all(c.qualifier == CountQualifier.EXACT for c in exact) and (
                sum(p.size.value for p in parts) == model.size.value
            )
            if not covered:
                if model.outcome == Outcome.UNKNOWN:
                    data["rest_unreported"] = True
                else:
                    data["rest_outcome_label"] = Outcome(model.outcome).label
    return top


def public_card(incident: Incident, memo: Memo | None = None) -> dict[str, Any]:
    """What a row of a list shows (cards, timeline, home page): title, date, North Koreans and
    helpers, places, outcomes. Needs only the incident's groups and their events
    (IncidentQuerySet.with_card_relations): no claims, authorities or citations."""
    memo = Memo() if memo is None else memo
    data = pick(incident, Incident)
    data["url"] = incident.get_absolute_url()
    ko = korean()
    data["display_title"] = (ko and incident.title_ko) or incident.title
    data["date_display"] = incident.date_display
    data["date_iso"] = incident.vague_date.iso() if incident.vague_date else None
    groups = list(incident.groups.all())
    data["people_total"] = incident.people_total.localized()
    helpers = incident.helpers_total
    data["helpers_total"] = helpers.localized() if helpers is not None else ""
    data["outcomes"] = [
        {"code": code, "label": Outcome(code).label} for code in _unique(g.outcome for g in groups)
    ]
    seen: dict[int, dict] = {}
    for group in groups:
        if group.arrest_location_id:
            seen.setdefault(group.arrest_location_id, public_location(group.arrest_location, memo))
    for group in groups:
        for event in group.events.all():
            if event.location_id:
                seen.setdefault(event.location_id, public_location(event.location, memo))
    data["places"] = list(seen.values())
    return data


def public_corrections(incident: Incident) -> list[dict[str, Any]]:
    """The dated correction notices, newest first (IncidentQuerySet.with_corrections)."""
    return [
        {**pick(r, IncidentRevision), "anchor": f"correction-{r.number}"}
        for r in incident.public_corrections
        if r.is_public_notice
    ]


def public_incident(
    incident: Incident, *, with_citations: bool = True, memo: Memo | None = None
) -> dict[str, Any]:
    """Everything the public may know about a published incident.

    Expects the incident to come from `Incident.objects.published().with_public_relations()`.
    """
    memo = Memo() if memo is None else memo
    data = pick(incident, Incident)
    data["url"] = incident.get_absolute_url()
    # Korean readers see the Korean title/summary where an editor wrote one.
    ko = korean()
    data["display_title"] = (ko and incident.title_ko) or incident.title
    data["display_summary"] = (ko and incident.summary_ko) or incident.summary
    data["date_display"] = incident.date_display
    data["date_iso"] = incident.vague_date.iso() if incident.vague_date else None
    groups = [public_group(g, memo) for g in incident.groups.all()]
    data["groups"] = groups
    data["group_tree"] = _nest(incident, groups)
    data["people_total"] = incident.people_total.localized()
    helpers = incident.helpers_total
    data["helpers_total"] = helpers.localized() if helpers is not None else ""
    data["outcomes"] = [
        {"code": code, "label": Outcome(code).label}
        for code in _unique(g["outcome"] for g in groups)
    ]
    data["places"] = _places(groups)
    if with_citations:
        data["citations"] = [
            {**pick(c, Citation), "source": public_source(c.source, memo),
             "group_sequence": _group_position(incident, c.group_id)}
            for c in incident.public_citations
        ]  # fmt: skip
        data["sources"] = _by_source(data["citations"])
        date_claims = [
            {**pick(c, DateClaim), "display": c.date_display,
             "source": public_source(c.source, memo) if c.source_id else None}
            for c in incident.date_claims.all()
            if not (c.source_id and c.source.confidential)
        ]  # fmt: skip
        data["date_claims"] = date_claims
        data["date_alternatives"] = [
            c for c in date_claims
            if (c["date_earliest"], c["date_latest"])
            != (incident.date_earliest, incident.date_latest)
        ]  # fmt: skip
    return data


def _by_source(citations: list[dict]) -> list[dict]:
    """Citations grouped per source, in first-cited order, for display."""
    grouped: dict[str, dict] = {}
    for citation in citations:
        entry = grouped.setdefault(
            citation["source"]["slug"], {"source": citation["source"], "claims": []}
        )
        entry["claims"].append(citation)
    return list(grouped.values())


def public_estimate(estimate: Estimate, memo: Memo | None = None) -> dict[str, Any]:
    data = pick(estimate, Estimate)
    data["figure"] = estimate.figure_display
    data["subject_label"] = estimate.get_subject_display()
    data["sources"] = [
        {**pick(c, EstimateSource), "source": public_source(c.source, memo)}
        for c in estimate.citations.all()
        if not c.source.confidential
    ]
    data["source"] = data["sources"][0]["source"] if data["sources"] else None
    return data


def _group_position(incident: Incident, group_id: int | None) -> int | None:
    if group_id is None:
        return None
    for position, group in enumerate(incident.groups.all(), start=1):
        if group.pk == group_id:
            return position
    return None


def _places(groups: list[dict]) -> list[dict]:
    """Distinct public places in the incident: arrest places first, then custody places."""
    seen: dict[str, dict] = {}
    for group in groups:
        if group["arrest_location"]:
            seen.setdefault(group["arrest_location"]["slug"], group["arrest_location"])
    for group in groups:
        for event in group["events"]:
            if event["location"]:
                seen.setdefault(event["location"]["slug"], event["location"])
    return list(seen.values())


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
