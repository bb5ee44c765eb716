"""The interchange format (docs/data-format.md): one structure, rendered as JSON or CSV.

Two scopes:
- PUBLIC: published incidents, fields from the public allow-list only (public.PUBLIC_FIELDS),
  non-confidential sources, public coordinates. Used by every HTTP export.
- FULL: every record and every field, for backups and moving between instances. Only the
  `export_incidents --all` management command produces it; no URL does.

Both renderings stream: incidents are read in chunks and written as they come, and only the
slugs of the places and sources they cite are kept in memory until the end.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch

from incidents.csvsafe import protect_row
from incidents.models import (
    Citation,
    CountFields,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Source,
)
from incidents.public import PRIVATE_FIELDS, pick
from incidents.querysets import CHRONOLOGICAL

FORMAT = "refoulement-watch"
VERSION = 1
PUBLIC, FULL = "public", "full"
CHUNK = 500

DATE_FIELDS = ("date_earliest", "date_latest", "date_precision")
COUNT_PARTS = tuple(CountFields.PARTS)  # size, women, men, minors, helpers


def _fields(obj, model, scope: str) -> dict[str, Any]:
    """Allow-listed public fields, plus the private ones (never `id`) in FULL scope."""
    data = pick(obj, model)
    if scope == FULL:
        for name in PRIVATE_FIELDS[model]:
            if name != "id":
                value = getattr(obj, name)
                data[name] = value.code if name == "country" else value
    return data


def _date(data: dict) -> dict | None:
    earliest, latest, precision = (data.pop(name) for name in DATE_FIELDS)
    if earliest is None:
        return None
    from incidents.vague import VagueDate

    return {
        "text": VagueDate(earliest, latest, precision).render(),
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
        "precision": precision,
    }


# -- one record each ----------------------------------------------------------------------------
def location_record(location: Location, scope: str) -> dict:
    data = _fields(location, Location, scope)
    if scope == PUBLIC and location.coordinates_public and location.latitude is not None:
        data["latitude"] = float(location.latitude)
        data["longitude"] = float(location.longitude)
        data["coordinate_precision"] = location.coordinate_precision
    elif scope == FULL:
        for name in ("latitude", "longitude"):
            data[name] = float(data[name]) if data[name] is not None else None
    return data


def source_record(source: Source, scope: str) -> dict:
    return _fields(source, Source, scope)


def event_record(event: CustodyEvent, scope: str) -> dict:
    data = _fields(event, CustodyEvent, scope)
    data["date"] = _date(data)
    data["location"] = event.location.slug if event.location_id else None
    return data


def group_record(group: DetaineeGroup, scope: str) -> dict:
    data = _fields(group, DetaineeGroup, scope)
    for part in COUNT_PARTS:
        data[part] = {
            "value": data.pop(f"{part}_value"),
            "qualifier": data.pop(f"{part}_qualifier"),
        }
    data["arrest_location"] = group.arrest_location.slug if group.arrest_location_id else None
    data["events"] = [event_record(e, scope) for e in group.events.all()]
    return data


def incident_record(incident: Incident, scope: str) -> dict:
    """Expects `incident` from export_queryset() (groups, events and citations prefetched)."""
    data = _fields(incident, Incident, scope)
    data["date"] = _date(data)
    groups = list(incident.groups.all())
    data["groups"] = [group_record(g, scope) for g in groups]
    positions = {g.pk: n for n, g in enumerate(groups, start=1)}
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
    return data


def estimate_record(estimate: Estimate, scope: str) -> dict:
    data = _fields(estimate, Estimate, scope)
    data["source"] = estimate.source.slug
    return data


# -- querysets ------------------------------------------------------------------------------------
def export_queryset(incidents, scope: str):
    """Prefetches for incident_record(); `incidents` is already filtered and ordered."""
    events = CustodyEvent.objects.select_related("location").order_by(*CHRONOLOGICAL)
    groups = (
        DetaineeGroup.objects.select_related("arrest_location")
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("sequence", "pk")
    )
    citations = Citation.objects.select_related("source").order_by("pk")
    if scope == PUBLIC:
        citations = citations.filter(source__confidential=False)
    return incidents.prefetch_related(
        Prefetch("groups", queryset=groups),
        Prefetch("citations", queryset=citations, to_attr="exported_citations"),
    )


def full_export_incidents():
    """Every incident, in the public order (newest first; ties: newest record first), so that
    a restored backup lists ties as the original did (see importer: created last-to-first)."""
    return Incident.objects.newest_first()


def _iter_incidents(incidents, scope: str) -> Iterator[Incident]:
    yield from export_queryset(incidents, scope).iterator(chunk_size=CHUNK)


# -- JSON ---------------------------------------------------------------------------------------
class JSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; keep every digit, so that a full export
    loses nothing and re-importing it over the same database finds every record unchanged."""

    def default(self, o):
        if isinstance(o, datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _dump(obj) -> str:
    return json.dumps(obj, cls=JSONEncoder, ensure_ascii=False, sort_keys=True, indent=None)


def iter_json(incidents, *, scope: str = PUBLIC) -> Iterator[str]:
    """The whole document as chunks of text; incidents first, then what they reference, and
    last `incident_count`, so that a reader can tell a complete document from a cut one."""
    location_slugs: set[str] = set()
    source_slugs: set[str] = set()
    yield f'{{"format": "{FORMAT}", "version": {VERSION}, "scope": "{scope}",\n"incidents": ['
    first = True
    count = 0
    for incident in _iter_incidents(incidents, scope):
        count += 1
        record = incident_record(incident, scope)
        for group in record["groups"]:
            location_slugs.add(group["arrest_location"])
            location_slugs.update(e["location"] for e in group["events"])
        source_slugs.update(c["source"] for c in record["citations"])
        yield ("\n" if first else ",\n") + _dump(record)
        first = False
    yield "\n],\n"

    if scope == FULL:
        estimates = Estimate.objects.select_related("source").order_by("period_start", "pk")
        locations = Location.objects.order_by("slug")
        sources = Source.objects.order_by("slug")
    else:
        estimates = (
            Estimate.objects.published().select_related("source").order_by("period_start", "pk")
        )
        estimate_records = [estimate_record(e, scope) for e in estimates]
        source_slugs.update(e["source"] for e in estimate_records)
        location_slugs.discard(None)
        locations = Location.objects.filter(slug__in=location_slugs).order_by("slug")
        sources = Source.objects.public().filter(slug__in=source_slugs).order_by("slug")
    yield '"estimates": ' + _dump_list(estimate_record(e, scope) for e in estimates) + ",\n"
    yield '"locations": ' + _dump_list(location_record(x, scope) for x in locations) + ",\n"
    yield '"sources": ' + _dump_list(source_record(x, scope) for x in sources) + ",\n"
    yield f'"incident_count": {count}\n}}\n'


def _dump_list(records: Iterable[dict]) -> str:
    items = [_dump(r) for r in records]
    return "[\n" + ",\n".join(items) + "\n]" if items else "[]"


# -- CSV ----------------------------------------------------------------------------------------
CSV_COLUMNS = [
    "incident_slug", "incident_title", "incident_summary",
    "incident_date", "incident_date_earliest", "incident_date_latest", "incident_date_precision",
    "incident_published_at", "incident_updated_at", "incident_sources",
    "group_number", "group_label", "group_outcome", "group_arrest_location",
    "group_arrest_city", "group_arrest_country",
    "group_size", "group_women", "group_men", "group_minors", "group_helpers", "group_events",
]  # fmt: skip
CSV_FULL_COLUMNS = ["incident_status", "incident_notes_internal", "group_notes_internal"]


def csv_columns(scope: str) -> list[str]:
    return CSV_COLUMNS + (CSV_FULL_COLUMNS if scope == FULL else [])


def _count_text(count: dict) -> str:
    from incidents.vague import EstimatedCount

    if count["value"] is None:
        return ""
    return EstimatedCount(count["value"], count["qualifier"]).render().replace(",", "")


def _events_text(events: list[dict]) -> str:
    """One event per line: 'kind | date as written | location slug | description'.

    Empty trailing cells are left out; a line break inside a description becomes a space.
    """
    lines = []
    for e in events:
        cells = [e["kind"], e["date"]["text"] if e["date"] else "", e["location"] or "",
                 " ".join(e["description"].splitlines())]  # fmt: skip
        while cells and not cells[-1]:
            cells.pop()
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def csv_rows(record: dict, scope: str, places: dict[str, Location]) -> Iterator[list]:
    date = record["date"] or {}
    incident = [
        record["slug"], record["title"], record["summary"], date.get("text", ""),
        date.get("earliest", ""), date.get("latest", ""), date.get("precision", ""),
        _iso(record["published_at"]), _iso(record["updated_at"]),
        "; ".join(dict.fromkeys(c["source"] for c in record["citations"])),
    ]  # fmt: skip
    groups = record["groups"] or [None]
    for number, group in enumerate(groups, start=1):
        if group is None:
            row = incident + [""] * (len(CSV_COLUMNS) - len(incident))
        else:
            place = places.get(group["arrest_location"])
            row = incident + [
                number, group["label"], group["outcome"], group["arrest_location"] or "",
                (place.city if place else ""), (place.country.code if place else ""),
                *(_count_text(group[p]) for p in COUNT_PARTS),
                _events_text(group["events"]),
            ]  # fmt: skip
        if scope == FULL:
            row += [
                record["status"],
                record["notes_internal"],
                group["notes_internal"] if group else "",
            ]
        yield row


def _iso(value) -> str:
    return value.isoformat() if value else ""


class _Echo:
    def write(self, value):
        return value


def iter_csv(incidents, *, scope: str = PUBLIC) -> Iterator[str]:
    """UTF-8 CSV with a BOM (so Excel shows 선양 and 沈阳), one row per detainee group."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(protect_row(csv_columns(scope)))
    for incident in _iter_incidents(incidents, scope):
        places = {g.arrest_location.slug: g.arrest_location for g in incident.groups.all()
                  if g.arrest_location_id}  # fmt: skip
        for row in csv_rows(incident_record(incident, scope), scope, places):
            yield writer.writerow(protect_row(row))
