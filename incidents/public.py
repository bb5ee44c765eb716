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
    Citation,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    EventKind,
    Incident,
    Location,
    Outcome,
    Source,
)

PUBLIC_FIELDS: dict[type, tuple[str, ...]] = {
    Incident: (
        "slug", "title", "summary", "title_ko", "summary_ko", "date_earliest", "date_latest",
        "date_precision", "published_at", "updated_at",
    ),
    DetaineeGroup: (
        "sequence", "label", "outcome",
        "size_value", "size_qualifier", "women_value", "women_qualifier",
        "men_value", "men_qualifier", "minors_value", "minors_qualifier",
        "helpers_value", "helpers_qualifier",
    ),
    CustodyEvent: (
        "sequence", "kind", "description", "date_earliest", "date_latest", "date_precision",
    ),
    Location: ("slug", "name", "name_ko", "name_local", "kind", "city", "province", "country"),
    Source: (
        "slug", "title", "publisher", "url", "archive_url", "published_on", "kind", "language",
        "reliability",
    ),
    Citation: ("claim", "locator"),
    Estimate: (
        "subject", "description", "country", "period_start", "period_end", "value_low",
        "value_high", "qualifier", "attributed_to", "claim",
    ),
}  # fmt: skip

# Fields that are deliberately never public. Every concrete model field must be in exactly
# one of PUBLIC_FIELDS, PRIVATE_FIELDS or RELATION_FIELDS (checked by tests/test_public.py).
PRIVATE_FIELDS: dict[type, tuple[str, ...]] = {
    # version and staff_updated_at move with internal edits: public, they would tell an outsider
    # when staff are working on a record.
    Incident: ("id", "status", "notes_internal", "created_at", "version", "staff_updated_at"),
    DetaineeGroup: ("id", "notes_internal"),
    CustodyEvent: ("id", "notes_internal"),
    # Coordinates are published only through public_location() when coordinates_public is set.
    Location: (
        "id", "latitude", "longitude", "coordinate_precision", "coordinates_public",
        "notes_internal", "version",
    ),
    Source: ("id", "confidential", "notes_internal", "version"),
    Citation: ("id",),
    Estimate: ("id", "status", "version"),
}  # fmt: skip

# Foreign keys: followed explicitly below, never dumped as raw ids.
RELATION_FIELDS: dict[type, tuple[str, ...]] = {
    Incident: (),
    DetaineeGroup: ("incident", "arrest_location"),
    CustodyEvent: ("group", "location"),
    Location: (),
    Source: (),
    Citation: ("incident", "source", "group", "event"),
    Estimate: ("source",),
}


def pick(obj, model: type) -> dict[str, Any]:
    data = {}
    for name in PUBLIC_FIELDS[model]:
        value = getattr(obj, name)
        data[name] = value.code if name == "country" else value
    return data


def korean() -> bool:
    """Is the page being rendered for a Korean reader?"""
    return (get_language() or "").startswith("ko")


def public_location(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    data = pick(location, Location)
    data["kind_label"] = location.get_kind_display()
    data["country_name"] = str(location.country.name)
    # Korean readers see the Korean name where an editor gave one: "중국 선양".
    local_name = korean() and location.name_ko
    data["display_name"] = local_name or location.name
    data["label"] = pgettext("place, country", "%(place)s, %(country)s") % {
        "place": local_name or location.place_label(),
        "country": location.country.name,
    }
    if location.coordinates_public and location.latitude is not None:
        data["latitude"] = float(location.latitude)
        data["longitude"] = float(location.longitude)
        data["coordinate_precision"] = location.coordinate_precision
    else:
        data["latitude"] = data["longitude"] = data["coordinate_precision"] = None
    return data


def public_source(source: Source) -> dict[str, Any]:
    assert not source.confidential, "confidential sources must be filtered out by the queryset"
    data = pick(source, Source)
    data["kind_label"] = source.get_kind_display()
    data["reliability_label"] = source.get_reliability_display()
    return data


def public_event(event: CustodyEvent) -> dict[str, Any]:
    data = pick(event, CustodyEvent)
    data["kind_label"] = EventKind(event.kind).label
    data["date_display"] = event.date_display
    data["date_iso"] = event.vague_date.iso() if event.vague_date else None
    data["location"] = public_location(event.location)
    return data


def public_group(group: DetaineeGroup) -> dict[str, Any]:
    data = pick(group, DetaineeGroup)
    data["outcome_label"] = Outcome(group.outcome).label
    data["size_display"] = group.size.localized()
    data["composition"] = group.composition
    data["arrest_location"] = public_location(group.arrest_location)
    data["events"] = [public_event(e) for e in group.events.all()]
    return data


def public_incident(incident: Incident, *, with_citations: bool = True) -> dict[str, Any]:
    """Everything the public may know about a published incident.

    Expects the incident to come from `Incident.objects.published().with_public_relations()`.
    """
    data = pick(incident, Incident)
    data["url"] = incident.get_absolute_url()
    # Korean readers see the Korean title/summary where an editor wrote one.
    ko = korean()
    data["display_title"] = (ko and incident.title_ko) or incident.title
    data["display_summary"] = (ko and incident.summary_ko) or incident.summary
    data["date_display"] = incident.date_display
    data["date_iso"] = incident.vague_date.iso() if incident.vague_date else None
    groups = [public_group(g) for g in incident.groups.all()]
    data["groups"] = groups
    data["people_total"] = _people_total(incident)
    data["outcomes"] = [
        {"code": code, "label": Outcome(code).label}
        for code in _unique(g["outcome"] for g in groups)
    ]
    data["places"] = _places(groups)
    if with_citations:
        data["citations"] = [
            {**pick(c, Citation), "source": public_source(c.source),
             "group_sequence": _group_position(incident, c.group_id)}
            for c in incident.public_citations
        ]  # fmt: skip
        data["sources"] = _by_source(data["citations"])
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


def public_estimate(estimate: Estimate) -> dict[str, Any]:
    data = pick(estimate, Estimate)
    data["figure"] = estimate.figure_display
    data["subject_label"] = estimate.get_subject_display()
    data["source"] = public_source(estimate.source)
    return data


def _people_total(incident: Incident) -> str:
    from incidents.vague import total

    return total(g.size for g in incident.groups.all()).localized()


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
