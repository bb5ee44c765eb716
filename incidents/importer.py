"""Import the interchange format (JSON or CSV) with the same validation as the admin.

Everything happens in one transaction: if any record is invalid, nothing is written and every
problem is reported with where it is (record path, or CSV row and column). A dry run does all
the work and rolls back. Records are matched by slug, and a record identical to what is stored
is left alone, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from incidents.interchange import (
    COUNT_PARTS,
    CSV_COLUMNS,
    CSV_FULL_COLUMNS,
    FULL,
    PUBLIC,
    incident_record,
)
from incidents.interchange import export_queryset as _export_queryset
from incidents.models import (
    Citation,
    CountQualifier,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Source,
    Status,
)
from incidents.public import PRIVATE_FIELDS, PUBLIC_FIELDS
from incidents.vague import CountError, parse_count, parse_vague_date

MAX_ERRORS = 200


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # ("incident", "created") -> n

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        parts = [f"{n} {kind} {what}" for (kind, what), n in sorted(self.counts.items())]
        return ", ".join(parts) or "nothing to import"


class ImportFileError(ValueError):
    """The file cannot be read at all (not JSON, not our CSV, wrong format marker)."""


class _Abort(Exception):
    """Raised inside the transaction to roll it back."""


# -- reading files -------------------------------------------------------------------------------
def read_document(content: bytes | str, *, filename: str = "") -> dict:
    """Turn an uploaded or local file into the document structure (see docs/data-format.md)."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    if filename.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"Not valid JSON: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != "refoulement-watch":
            raise ImportFileError(
                'Not a Refoulement Watch file: "format" must be "refoulement-watch".'
            )
        if doc.get("version") != 1:
            raise ImportFileError(
                f"Unsupported format version {doc.get('version')!r} (expected 1)."
            )
        return doc
    return _csv_document(text)


def _csv_document(text: str) -> dict:
    reader = csv.DictReader(io.StringIO(text), restval="")
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(f"CSV is missing the columns: {', '.join(missing)}.")
    unknown = [c for c in header if c not in CSV_COLUMNS + CSV_FULL_COLUMNS]
    if unknown:
        raise ImportFileError(f"CSV has unknown columns: {', '.join(unknown)}.")
    incidents: dict[str, dict] = {}
    for row_number, raw in enumerate(reader, start=2):  # row 1 is the header
        row = {k: v or "" for k, v in raw.items() if k is not None}  # None: surplus cells
        slug = row["incident_slug"].strip()
        incident = incidents.get(slug)
        if incident is None:
            incident = incidents[slug or f"row-{row_number}"] = _csv_incident(row, row_number)
        else:  # a further group: the incident's own columns must repeat the first row's
            incident["_conflicts"] += [
                (row_number, column) for column in INCIDENT_COLUMNS
                if column in row and row[column].strip() != incident["_cells"].get(column)
            ]  # fmt: skip
        if (row["group_number"] or "").strip():
            incident["groups"].append(_csv_group(row, row_number))
    # A CSV file carries statuses and internal notes only in the full rendering.
    scope = FULL if "incident_status" in header else PUBLIC
    return {"format": "refoulement-watch", "version": 1, "scope": scope, "rendering": "csv",
            "incidents": list(incidents.values())}  # fmt: skip


INCIDENT_COLUMNS = [c for c in CSV_COLUMNS + CSV_FULL_COLUMNS if c.startswith("incident_")]


def _csv_incident(row: dict, row_number: int) -> dict:
    record: dict[str, Any] = {
        "_row": row_number,
        "_cells": {c: row[c].strip() for c in INCIDENT_COLUMNS if c in row},
        "_conflicts": [],
        "slug": row["incident_slug"].strip(),
        "title": row["incident_title"].strip(),
        "summary": row["incident_summary"],
        "date": _csv_date(row, "incident_date"),
        "groups": [],
        "citations": [
            {"source": s.strip(), "group": None, "event": None, "claim": "", "locator": ""}
            for s in (row["incident_sources"] or "").split(";")
            if s.strip()
        ],
    }
    for column, key in (("incident_published_at", "published_at"),
                        ("incident_updated_at", "updated_at")):  # fmt: skip
        if row.get(column):
            record[key] = row[column]
    if "incident_status" in row:
        record["status"] = row["incident_status"]
        record["notes_internal"] = row.get("incident_notes_internal", "")
    return record


def _csv_date(row: dict, prefix: str) -> dict | str | None:
    earliest = (row.get(f"{prefix}_earliest") or "").strip()
    if earliest:
        return {"earliest": earliest, "latest": (row.get(f"{prefix}_latest") or "").strip(),
                "precision": (row.get(f"{prefix}_precision") or "").strip()}  # fmt: skip
    return (row.get(prefix) or "").strip() or None


def _csv_group(row: dict, row_number: int) -> dict:
    group: dict[str, Any] = {
        "_row": row_number,
        "label": row["group_label"].strip(),
        "outcome": row["group_outcome"].strip(),
        "arrest_location": row["group_arrest_location"].strip() or None,
        "events": [],
    }
    for part in COUNT_PARTS:
        group[part] = row[f"group_{part}"]  # text such as "at least 4", parsed later
    for line in (row["group_events"] or "").splitlines():
        if not line.strip():
            continue
        bits = [b.strip() for b in line.split("|", 3)] + ["", "", ""]
        group["events"].append({"kind": bits[0], "date": bits[1] or None,
                                "location": bits[2] or None, "description": bits[3]})  # fmt: skip
    if "group_notes_internal" in row:
        group["notes_internal"] = row["group_notes_internal"]
    return group


# -- importing -------------------------------------------------------------------------------------
def import_document(
    doc: dict, *, dry_run: bool = False, publish: bool = False, progress=None
) -> ImportReport:
    """Validate and write `doc` (from read_document) in one transaction.

    `publish`: records *new to this database* whose status the file does not give (a public
    export has none) are published, and new places' coordinates are public, as they were where
    the file came from. Without it they arrive as drafts and private coordinates, for review.
    Existing records never change status unless the file gives one.
    """
    report = ImportReport(dry_run=dry_run)
    importer = _Importer(report, progress, doc=doc, publish=publish)
    try:
        with transaction.atomic():
            importer.run(doc)
            if report.problems or dry_run:
                raise _Abort
    except _Abort:
        pass
    return report


CSV_FIELD_COLUMNS = {
    "slug": "incident_slug", "title": "incident_title", "summary": "incident_summary",
    "date": "incident_date", "status": "incident_status", "published_at": "incident_published_at",
    "updated_at": "incident_updated_at", "notes_internal": "incident_notes_internal",
    "citations": "incident_sources", "source": "incident_sources", "label": "group_label",
    "outcome": "group_outcome", "arrest_location": "group_arrest_location",
    **{part: f"group_{part}" for part in COUNT_PARTS},
}  # fmt: skip
_MODEL_FIELD_TO_KEY = {
    "date_earliest": "date", "date_latest": "date", "date_precision": "date",
    **{f"{p}_{s}": p for p in COUNT_PARTS for s in ("value", "qualifier")},
}  # fmt: skip


@dataclass(frozen=True)
class Where:
    """Where a problem is, in the words of the file: 'incidents[2].groups[1].women' for JSON,
    'row 7, column group_women' for CSV."""

    path: str
    csv_row: int | None = None
    csv_column: str | None = None  # all keys map to this column (events live in one cell)
    detail: str = ""

    def __call__(self, key: str) -> str:
        if self.csv_row is None:
            return f"{self.path}.{key}"
        column = self.csv_column or CSV_FIELD_COLUMNS.get(key, key)
        detail = f" ({self.detail}{key})" if self.csv_column else ""
        return f"row {self.csv_row}, column {column}{detail}"

    def child(self, name: str, n: int, record: dict) -> Where:
        if "_row" in record:
            return Where(f"row {record['_row']}", record["_row"])
        if self.csv_row is not None:  # an event inside a CSV cell
            return Where(self.path, self.csv_row, f"group_{name}s", f"{name} {n}: ")
        return Where(f"{self.path}.{name}s[{n}]" if self.path else f"{name}s[{n}]")


class _Importer:
    def __init__(self, report: ImportReport, progress, *, doc: dict, publish: bool = False):
        self.report = report
        self.progress = progress
        self.publish = publish
        self.csv = doc.get("rendering") == "csv"
        # A file that is not a full export lacks internal notes and confidential citations:
        # updating a record from it keeps those (see _carry_over).
        self.full = doc.get("scope") == FULL
        self.reported = 0
        self.locations: dict[str, Location] = {}
        self.sources: dict[str, Source] = {}

    # errors ---------------------------------------------------------------------------------
    def problem(self, where: str, message: str) -> None:
        # Counted even past MAX_ERRORS: incident() compares counts to know a record is invalid.
        self.reported += 1
        if self.reported <= MAX_ERRORS:
            self.report.problems.append(Problem(where, str(message)))

    def problems_from(self, exc: ValidationError, where: Where) -> None:
        for name, messages in exc.message_dict.items():
            for message in messages:
                self.problem(where(_MODEL_FIELD_TO_KEY.get(name, name)), message)

    def count(self, kind: str, what: str) -> None:
        self.report.counts[(kind, what)] += 1

    # run ---------------------------------------------------------------------------------------
    def run(self, doc: dict) -> None:
        for n, record in enumerate(_list(doc, "locations", self), start=1):
            obj = self._upsert(Location, record, Where(f"locations[{n}]"))
            if obj:
                self.locations[obj.slug] = obj
        for n, record in enumerate(_list(doc, "sources", self), start=1):
            obj = self._upsert(Source, record, Where(f"sources[{n}]"))
            if obj:
                self.sources[obj.slug] = obj
        self.locations.update({x.slug: x for x in Location.objects.all()})
        self.sources.update({x.slug: x for x in Source.objects.all()})
        incidents = _list(doc, "incidents", self)
        # Exports list incidents newest first, and the public order breaks ties between equal
        # dates by creation order (newest record first). Creating them last-to-first keeps
        # that order, so an export imported elsewhere exports again identically. Problems are
        # still reported in file order.
        problems = self.report.problems
        found: list[tuple[int, list[Problem]]] = []
        for done, (n, record) in enumerate(reversed(list(enumerate(incidents, start=1))), 1):
            before = len(problems)
            self.incident(record, Where("").child("incident", n, record))
            found.append((n, problems[before:]))
            del problems[before:]
            if self.progress:
                self.progress(done, len(incidents))
        for _n, block in sorted(found, key=lambda item: item[0]):
            problems.extend(block)
        for n, record in enumerate(_list(doc, "estimates", self), start=1):
            self.estimate(record, Where(f"estimates[{n}]"))

    # locations, sources, estimates ----------------------------------------------------------------
    def _assign(self, obj, model, data: dict, where: Where) -> bool:
        """Copy known fields onto obj; report unknown ones. True if anything changed."""
        changed = False
        for name, value in data.items():
            if name not in _importable_fields(model):
                self.problem(where(name), "unknown field")
                continue
            value = _coerce(model, name, value)
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        return changed

    def _save(self, obj, where: Where, *, created: bool, changed: bool):
        kind = obj._meta.model_name
        if not changed:
            self.count(kind, "unchanged")
            return obj
        try:
            obj.full_clean()
        except ValidationError as exc:
            self.problems_from(exc, where)
            return None
        obj.save()
        self.count(kind, "created" if created else "updated")
        return obj

    def _upsert(self, model, record: dict, where: Where):
        slug = record.get("slug")
        existing = model._default_manager.filter(slug=slug).first() if slug else None
        obj = existing or model()
        changed = self._assign(obj, model, record, where) or existing is None
        if (existing is None and self.publish and model is Location
                and "coordinates_public" not in record and obj.latitude is not None):  # fmt: skip
            obj.coordinates_public = True
        return self._save(obj, where, created=existing is None, changed=changed)

    def estimate(self, record: dict, where: Where) -> None:
        source = self.sources.get(record.get("source"))
        if source is None:
            self.problem(where("source"), f"unknown source '{record.get('source')}'")
            return
        data = {k: v for k, v in record.items() if k != "source"}
        # Estimates have no slug: the same source, subject, period and wording is the same one.
        existing = Estimate.objects.filter(
            source=source,
            subject=data.get("subject"),
            period_start=data.get("period_start"),
            description=data.get("description"),
        ).first()
        obj = existing or Estimate(source=source)
        if existing is None and self.publish and "status" not in data:
            obj.status = Status.PUBLISHED
        changed = self._assign(obj, Estimate, data, where) or existing is None
        self._save(obj, where, created=existing is None, changed=changed)

    # incidents ------------------------------------------------------------------------------------
    def incident(self, record: dict, where: Where) -> None:
        for row_number, column in record.get("_conflicts", []) if "_row" in record else []:
            self.problem(
                f"row {row_number}, column {column}",
                f"differs from row {record['_row']}: every row of an incident repeats its "
                "incident columns",
            )
        if not self._well_formed(record, where):
            return
        slug = str(record.get("slug") or "").strip()
        existing = Incident.objects.filter(slug=slug).first() if slug else None
        if existing is not None:
            stored = self._stored(existing)
            if self._unchanged(record, stored):
                self.count("incident", "unchanged")
                return
            record = self._carry_over(record, stored)
        default_status = Status.PUBLISHED if self.publish else Status.DRAFT
        incident = existing or Incident(status=default_status)
        problems_before = self.reported
        for key in INCIDENT_FIELDS:  # what the file leaves out is kept
            if key in record:
                setattr(incident, key, _coerce(Incident, key, record[key]))
        self._apply_date(incident, record.get("date"), where)
        try:
            incident.full_clean()
        except ValidationError as exc:
            self.problems_from(exc, where)
        groups = [
            self._group(data, where.child("group", n, data), n)
            for n, data in enumerate(record.get("groups") or [], start=1)
        ]
        sources = self._citation_sources(record, where)
        if self.reported > problems_before:
            return
        incident.save()
        stamps = {k: _coerce(Incident, k, record[k]) for k in ("created_at", "updated_at")
                  if record.get(k)}  # fmt: skip
        if stamps:
            Incident.objects.filter(pk=incident.pk).update(**stamps)
        if existing is not None:
            existing.citations.all().delete()
            existing.groups.all().delete()
        for group, events in groups:
            group.incident = incident
            group.save()
            for event in events:
                event.group = group
                event.save()
        self._citations(incident, groups, record, sources, where)
        self.count("incident", "updated" if existing else "created")

    @staticmethod
    def _stored(existing: Incident) -> dict:
        """The stored record as a FULL-scope record with JSON values."""
        stored = _export_queryset(Incident.objects.filter(pk=existing.pk), FULL).get()
        return json.loads(json.dumps(incident_record(stored, FULL), default=str))

    def _hidden(self, source_slug: str) -> bool:
        """Cited in the database but absent from a file that is not a full export."""
        source = self.sources.get(source_slug)
        return not self.full and source is not None and source.confidential

    def _unchanged(self, record: dict, stored: dict) -> bool:
        """True if every value the file gives equals what is stored (file forms normalised:
        "at least 4", "mid-March 2017", a CSV cell listing only the sources cited)."""
        incoming = _comparable(_normalise(record))
        stored = {**stored, "citations": [c for c in stored["citations"]
                                          if not self._hidden(c["source"])]}  # fmt: skip
        if self.csv:
            listed = list(dict.fromkeys(c["source"] for c in incoming.pop("citations", [])))
            cited = list(dict.fromkeys(c["source"] for c in stored["citations"]))
            if listed != cited:
                return False
        return _subset_equal(incoming, stored)

    def _carry_over(self, record: dict, stored: dict) -> dict:
        """Keep what an updating file does not carry, instead of erasing it.

        Internal notes of groups and events (absent from public files) are kept by position;
        citations of confidential sources (absent from public files) are kept; a CSV file
        lists only the sources cited, so their stored citations (claims, pins) are kept.
        """
        record = dict(record)
        groups = []
        for n, group in enumerate(record.get("groups") or []):
            group = dict(group)
            old = stored["groups"][n] if n < len(stored["groups"]) else None
            if old is not None:
                group.setdefault("notes_internal", old["notes_internal"])
                events = []
                for m, event in enumerate(group.get("events") or []):
                    event = dict(event)
                    if m < len(old["events"]):
                        event.setdefault("notes_internal", old["events"][m]["notes_internal"])
                    events.append(event)
                group["events"] = events
            groups.append(group)
        record["groups"] = groups
        citations = list(record.get("citations") or [])
        if self.csv:
            listed = {c["source"] for c in citations}
            kept = [{**c, "_kept": True} for c in stored["citations"]
                    if c["source"] in listed or self._hidden(c["source"])]  # fmt: skip
            known = {c["source"] for c in kept}
            citations = kept + [c for c in citations if c["source"] not in known]
        elif not self.full:
            citations += [{**c, "_kept": True} for c in stored["citations"]
                          if self._hidden(c["source"])]  # fmt: skip
        record["citations"] = citations
        return record

    def _well_formed(self, record: dict, where: Where) -> bool:
        """Lists where lists belong, so a malformed file is reported, not a crash."""
        ok = True
        for key in ("groups", "citations"):
            if not _is_list_of_objects(record.get(key)):
                self.problem(where(key), "must be a list of objects")
                ok = False
        for n, group in enumerate(record.get("groups") or [], start=1):
            if isinstance(group, dict) and not _is_list_of_objects(group.get("events")):
                self.problem(where.child("group", n, group)("events"), "must be a list of objects")
                ok = False
        return ok

    def _apply_date(self, obj, value, where: Where) -> None:
        try:
            obj.date_earliest, obj.date_latest, obj.date_precision = _parse_date(value)
        except ValueError as exc:  # VagueDateError is a ValueError
            self.problem(where("date"), str(exc))

    def _group(
        self, data: dict, where: Where, position: int
    ) -> tuple[DetaineeGroup, list[CustodyEvent]]:
        group = DetaineeGroup(
            sequence=data.get("sequence", position),  # CSV: the group's number
            label=data.get("label", ""),
            outcome=data.get("outcome") or "unknown",
            notes_internal=data.get("notes_internal", ""),
        )
        group.arrest_location = self._location(
            data.get("arrest_location"), where("arrest_location")
        )
        for part in COUNT_PARTS:
            try:
                value, qualifier = _parse_count_value(data.get(part))
            except CountError as exc:
                self.problem(where(part), str(exc))
                continue
            setattr(group, f"{part}_value", value)
            setattr(group, f"{part}_qualifier", qualifier)
        try:
            group.full_clean(exclude=["incident"])
        except ValidationError as exc:
            self.problems_from(exc, where)
        events = [
            self._event(edata, where.child("event", n, edata), n)
            for n, edata in enumerate(data.get("events") or [], start=1)
        ]
        return group, events

    def _event(self, data: dict, where: Where, position: int) -> CustodyEvent:
        event = CustodyEvent(
            kind=data.get("kind", ""),
            description=data.get("description", ""),
            # CSV lists events in time order; the position keeps ties in that order.
            sequence=data.get("sequence", position),
            notes_internal=data.get("notes_internal", ""),
        )
        event.location = self._location(data.get("location"), where("location"))
        self._apply_date(event, data.get("date"), where)
        try:
            event.full_clean(exclude=["group"])
        except ValidationError as exc:
            self.problems_from(exc, where)
        return event

    def _location(self, slug: str | None, where: str) -> Location | None:
        if not slug:
            return None
        location = self.locations.get(slug)
        if location is None:
            self.problem(where, f"unknown location '{slug}'")
        return location

    def _citation_sources(self, record: dict, where: Where) -> list[Source | None]:
        found = []
        for n, data in enumerate(record.get("citations") or [], start=1):
            source = self.sources.get(data.get("source"))
            if source is None:
                cwhere = where if "_row" in record else where.child("citation", n, data)
                self.problem(cwhere("source"), f"unknown source '{data.get('source')}'")
            found.append(source)
        return found

    def _citations(self, incident, groups, record, sources, where: Where) -> None:
        for n, (data, source) in enumerate(zip(record.get("citations") or [], sources,
                                               strict=True), start=1):  # fmt: skip
            cwhere = where if "_row" in record else where.child("citation", n, data)
            citation = Citation(
                incident=incident,
                source=source,
                claim=data.get("claim", ""),
                locator=data.get("locator", ""),
            )
            group_pos, event_pos = data.get("group"), data.get("event")
            try:
                if group_pos:
                    group, events = groups[_position(group_pos)]
                    citation.group = group
                    if event_pos:
                        citation.event = events[_position(event_pos)]
                elif event_pos:
                    raise IndexError
            except (IndexError, ValueError, TypeError):
                if data.get("_kept"):  # a kept citation whose group is gone: keep it unpinned
                    citation.group = citation.event = None
                else:
                    self.problem(
                        cwhere("group"), f"there is no group {group_pos}, event {event_pos}"
                    )
                    continue
            try:
                citation.full_clean()
            except ValidationError as exc:
                self.problems_from(exc, cwhere)
                continue
            citation.save()


# -- helpers ---------------------------------------------------------------------------------------
# Plain incident fields taken from a record: everything exported except the vague date (the
# "date" object), the timestamps (set after saving) and, of course, the id.
INCIDENT_FIELDS = [
    name for name in (*PUBLIC_FIELDS[Incident], *PRIVATE_FIELDS[Incident])
    if name not in ("id", "date_earliest", "date_latest", "date_precision", "created_at",
                    "updated_at")
]  # fmt: skip


def _list(doc: dict, key: str, importer: _Importer) -> list:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        importer.problem(key, "must be a list of objects")
        return []
    return value


def _importable_fields(model) -> set[str]:
    return (set(PUBLIC_FIELDS[model]) | set(PRIVATE_FIELDS[model])) - {"id"}


def _coerce(model, name: str, value):
    """JSON values to model values (dates and datetimes come as ISO strings)."""
    if value is None:
        field_ = model._meta.get_field(name)
        return None if field_.null else ""
    if isinstance(value, str):
        internal = model._meta.get_field(name).get_internal_type()
        try:
            if internal == "DateField" and value:
                return date.fromisoformat(value)
            if internal == "DateTimeField" and value:
                return parse_datetime(value) or value
            if internal == "DecimalField" and value:
                return round(float(value), 6)
        except ValueError:
            return value  # full_clean() reports it against the field
    if name in ("latitude", "longitude") and value is not None:
        from decimal import Decimal

        return Decimal(str(value)).quantize(Decimal("0.000001"))
    return value


def _parse_date(value) -> tuple[date | None, date | None, str]:
    if value in (None, ""):
        return None, None, ""
    if isinstance(value, str):
        vd = parse_vague_date(value)
        return vd.earliest, vd.latest, vd.precision
    if isinstance(value, dict):
        if value.get("earliest") or value.get("latest"):
            bounds = []
            for key in ("earliest", "latest"):
                text = value.get(key)
                try:
                    bounds.append(date.fromisoformat(text))
                except (TypeError, ValueError):
                    raise ValueError(
                        f"'{key}' must be a date as YYYY-MM-DD, not {text!r}"
                    ) from None
            return bounds[0], bounds[1], str(value.get("precision") or "")
        if value.get("text"):
            return _parse_date(value["text"])
        return None, None, ""
    raise ValueError("a date must be text such as 'mid-March 2017' or an object")


def _position(value) -> int:
    """A 1-based position from the file as a list index; ValueError if not a whole number >= 1."""
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(value)
    return int(value) - 1


def _is_list_of_objects(value) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(x, dict) for x in value))


def _comparable(record: dict) -> dict:
    """Written forms in a file ("at least 4", "mid-March 2017") as the export writes them."""

    def date_(value):
        try:
            earliest, latest, precision = _parse_date(value)
        except (ValueError, TypeError):
            return value  # unreadable: differs, and the import reports it
        if earliest is None:
            return None
        return {"earliest": earliest.isoformat(), "latest": latest.isoformat(),
                "precision": precision}  # fmt: skip

    if "date" in record:
        record["date"] = date_(record["date"])
    for group in record.get("groups") or []:
        for part in COUNT_PARTS:
            if part in group and not isinstance(group[part], dict):
                try:
                    value, qualifier = _parse_count_value(group[part])
                except CountError:
                    continue
                group[part] = {"value": value, "qualifier": qualifier}
        for event in group.get("events") or []:
            if "date" in event:
                event["date"] = date_(event["date"])
    return record


def _parse_count_value(value) -> tuple[int | None, str]:
    if isinstance(value, dict):
        number, qualifier = value.get("value"), value.get("qualifier") or CountQualifier.UNKNOWN
        if number is not None and not isinstance(number, int):
            raise CountError(f"'{number}' is not a whole number")
        return number, qualifier
    count = parse_count("" if value is None else str(value))
    return count.value, count.qualifier


def _normalise(record: Any) -> Any:
    """JSON values only, without the importer's own keys ("_row", "_kept") at any depth."""
    if isinstance(record, dict):
        return {k: _normalise(v) for k, v in record.items() if not str(k).startswith("_")}
    if isinstance(record, list):
        return [_normalise(v) for v in record]
    return json.loads(json.dumps(record, default=str))


def _subset_equal(incoming: Any, current: Any) -> bool:
    """True if every key given in `incoming` has the same value in `current`."""
    if isinstance(incoming, dict) and isinstance(current, dict):
        return all(k in current and _subset_equal(v, current[k]) for k, v in incoming.items())
    if isinstance(incoming, list) and isinstance(current, list):
        return len(incoming) == len(current) and all(
            _subset_equal(a, b) for a, b in zip(incoming, current, strict=True)
        )
    if isinstance(incoming, str) and isinstance(current, str) and "T" in incoming:
        a, b = parse_datetime(incoming), parse_datetime(current)
        if a and b:
            return a == b
    return incoming == current
