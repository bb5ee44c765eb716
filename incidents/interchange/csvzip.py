"""The complete CSV rendering: the main sheet and its companion sheets in one ZIP file.

    incidents.csv   the main sheet (csvsheet): one row per detainee group
    events.csv      one row per custody event, with its circumstances and actors
    claims.csv      one row per sourced figure (a group's size…) or sourced date (group blank)
    citations.csv   one row per citation, with its quotation and what it is pinned to
    places.csv, sources.csv, actors.csv, estimates.csv
                    the records the incidents refer to (all of them in FULL scope)

Every sheet is UTF-8 with a byte-order mark, formula-protected, and lists exactly what the JSON
document holds, so JSON and the ZIP convert into each other without loss.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable

from incidents.csvsafe import protect_row
from incidents.interchange.batch import Batches
from incidents.interchange.csvsheet import count_text, csv_columns, csv_rows
from incidents.interchange.jsondoc import References
from incidents.interchange.records import (
    FULL,
    actor_record,
    estimate_record,
    estimates_queryset,
    location_record,
    source_record,
)
from incidents.models import Actor, Location, Source

MAIN_SHEET = "incidents.csv"
YES, NO = "yes", "no"


def _full(scope, *columns):
    return list(columns) if scope == FULL else []


def sheets(scope: str) -> dict[str, list[str]]:
    """Columns of every companion sheet, in order."""
    return {
        "events.csv": [
            "incident_slug", "group_number", "event_number", "sequence", "kind", "date",
            "date_earliest", "date_latest", "date_precision", "location", "description",
            "circumstance", "circumstance_text", "actors", *_full(scope, "notes_internal"),
        ],
        "claims.csv": [
            "incident_slug", "group_number", "part", "figure", "date_earliest", "date_latest",
            "date_precision", "wording", "source", "quotation", "locator", "preferred",
            "preferred_reason",
        ],
        "citations.csv": [
            "incident_slug", "source", "group_number", "event_number", "claim", "locator",
        ],
        "places.csv": [
            "slug", "name", "name_ko", "name_local", "alternate_names", "kind", "code", "parent",
            "country", "province", "city", "latitude", "longitude", "coordinate_precision",
            *_full(scope, "coordinates_public", "notes_internal", "version"),
        ],
        "sources.csv": [
            "slug", "title", "publisher", "url", "archive_url", "date", "date_earliest",
            "date_latest", "date_precision", "kind", "language", "reliability", "relays",
            *_full(scope, "confidential", "notes_internal", "version"),
        ],
        "actors.csv": [
            "slug", "name", "name_ko", "name_local", "kind", "country", "parent",
            *_full(scope, "notes_internal", "version"),
        ],
        "estimates.csv": [
            "subject", "description", "country", "period_start", "period_end", "value_low",
            "value_high", "qualifier", "attributed_to", "sources",
            *_full(scope, "status", "version"),
        ],
    }  # fmt: skip


def _cell(value) -> object:
    if value is None:
        return ""
    if value is True:
        return YES
    if value is False:
        return NO
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return value


def _date_cells(date: dict | None) -> list[str]:
    date = date or {}
    return [date.get("text", ""), date.get("earliest", ""), date.get("latest", ""),
            date.get("precision", "")]  # fmt: skip


class _Sheet:
    def __init__(self, columns: list[str]):
        self.columns = columns
        # Kept open while the sheet is written; write_zip closes it.
        self.file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=8 * 1024 * 1024, mode="w+t", encoding="utf-8", newline=""
        )
        self.file.write("\ufeff")
        self.writer = csv.writer(self.file)
        self.writer.writerow(protect_row(columns))

    def row(self, values: Iterable) -> None:
        self.writer.writerow(protect_row([_cell(v) for v in values]))

    def record(self, data: dict) -> None:
        self.row(data.get(c) for c in self.columns)


def _incident_rows(record: dict, out: dict[str, _Sheet], scope: str) -> None:
    slug = record["slug"]
    for claim in record["date_claims"]:
        out["claims.csv"].row([slug, "", "date", *_date_cells(claim["date"]), claim["wording"],
                               claim["source"], claim["quotation"], claim["locator"],
                               claim["preferred"], claim["preferred_reason"]])  # fmt: skip
    for g, group in enumerate(record["groups"], start=1):
        for claim in group["claims"]:
            out["claims.csv"].row([slug, g, claim["part"], count_text(claim["count"]), "", "", "",
                                   claim["wording"], claim["source"], claim["quotation"],
                                   claim["locator"], claim["preferred"],
                                   claim["preferred_reason"]])  # fmt: skip
        for e, event in enumerate(group["events"], start=1):
            actors = "; ".join(f"{a['actor']}:{a['role']}" for a in event["actors"])
            out["events.csv"].row([
                slug, g, e, event["sequence"], event["kind"], *_date_cells(event["date"]),
                event["location"], event["description"], event["circumstance"],
                event["circumstance_text"], actors,
                *([event["notes_internal"]] if scope == FULL else []),
            ])  # fmt: skip
    for citation in record["citations"]:
        out["citations.csv"].row([slug, citation["source"], citation["group"], citation["event"],
                                  citation["claim"], citation["locator"]])  # fmt: skip


def write_zip(incidents, *, scope: str, fileobj) -> None:
    """Write the complete CSV rendering of `incidents` (filtered, ordered) into `fileobj`."""
    main = _Sheet(csv_columns(scope))
    out = {name: _Sheet(columns) for name, columns in sheets(scope).items()}
    refs = References()
    batches = Batches(incidents, scope)
    for record in batches.records():
        refs.add_incident(record)
        for row in csv_rows(record, scope, batches.places):
            main.row(row)
        _incident_rows(record, out, scope)

    estimates = [estimate_record(e, scope) for e in estimates_queryset(scope)]
    for estimate in estimates:
        lines = [" | ".join([s["source"], " ".join(s["claim"].splitlines()), s["locator"]])
                 .rstrip(" |") for s in estimate["sources"]]  # fmt: skip
        out["estimates.csv"].record({**estimate, "sources": lines})
    if scope == FULL:
        locations, sources, actors = (
            Location.objects.all(),
            Source.objects.all(),
            Actor.objects.all(),
        )
    else:
        refs.sources.update(s["source"] for e in estimates for s in e["sources"])
        place_slugs, source_slugs, actor_slugs = refs.closed()
        locations = Location.objects.filter(slug__in=place_slugs)
        sources = Source.objects.public().filter(slug__in=source_slugs)
        actors = Actor.objects.filter(slug__in=actor_slugs)
    for place in locations.select_related("parent").order_by("slug"):
        data = location_record(place, scope)
        out["places.csv"].record({**data, "alternate_names": data["alternate_names"]})
    for source in sources.select_related("relays").order_by("slug"):
        data = source_record(source, scope)
        date = _date_cells(data.pop("date"))
        out["sources.csv"].record({**data, "date": date[0], "date_earliest": date[1],
                                   "date_latest": date[2], "date_precision": date[3]})  # fmt: skip
    for actor in actors.select_related("parent").order_by("slug"):
        out["actors.csv"].record(actor_record(actor, scope))

    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, sheet in [(MAIN_SHEET, main), *out.items()]:
            sheet.file.seek(0)
            with archive.open(name, "w") as member:
                while chunk := sheet.file.read(1 << 16):
                    member.write(chunk.encode("utf-8"))
            sheet.file.close()


def zip_bytes(incidents, *, scope: str) -> bytes:
    buffer = io.BytesIO()
    write_zip(incidents, scope=scope, fileobj=buffer)
    return buffer.getvalue()
