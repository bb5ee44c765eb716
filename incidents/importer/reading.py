"""Files to documents: strict JSON, or the CSV rendering (docs/data-format.md).

Everything that makes a file unreadable as a whole (not UTF-8, not JSON, NaN or Infinity, a NUL
byte, the wrong format marker, missing CSV columns) is an ImportFileError with a message that
says where; problems inside readable records are found later, by checks and the importer.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from incidents.csvsafe import unprotect
from incidents.interchange import COUNT_PARTS, CSV_COLUMNS, CSV_FULL_COLUMNS, FORMAT, FULL, PUBLIC

SUPPORTED_VERSIONS = (1,)
INCIDENT_COLUMNS = [c for c in CSV_COLUMNS + CSV_FULL_COLUMNS if c.startswith("incident_")]


class ImportFileError(ValueError):
    """The file cannot be read at all (not JSON, not our CSV, wrong format marker)."""


def read_document(content: bytes | str, *, filename: str = "") -> dict:
    """Turn an uploaded or local file into the document structure (see docs/data-format.md)."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 text (byte {exc.start} cannot be read)."
            ) from None
    else:
        text = content.lstrip("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError(f"Line {line} contains a NUL character; the file is not text.")
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return _json_document(text)
    return _csv_document(text)


def _reject_constant(name: str):
    raise ImportFileError(f"{name} is not a number this format allows (use a plain number).")


def _json_document(text: str) -> dict:
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"Not valid JSON: {exc}") from None
    except RecursionError:
        raise ImportFileError("Not valid JSON: nested too deeply.") from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise ImportFileError(f"Not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportFileError('Not a Refoulement Watch file: "format" must be "refoulement-watch".')
    if doc.get("version") not in SUPPORTED_VERSIONS or isinstance(doc.get("version"), bool):
        raise ImportFileError(
            f"Unsupported format version {doc.get('version')!r} (expected "
            + " or ".join(str(v) for v in SUPPORTED_VERSIONS)
            + ")."
        )
    return doc


# -- CSV ----------------------------------------------------------------------------------------
def _csv_document(text: str) -> dict:
    reader = csv.DictReader(io.StringIO(text), restval="")
    try:
        header = reader.fieldnames or []
        rows = list(enumerate(reader, start=2))  # row 1 is the header
    except csv.Error as exc:
        raise ImportFileError(f"CSV line {reader.line_num}: {exc}") from None
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(f"CSV is missing the columns: {', '.join(missing)}.")
    unknown = [c for c in header if c not in CSV_COLUMNS + CSV_FULL_COLUMNS]
    if unknown:
        raise ImportFileError(f"CSV has unknown columns: {', '.join(unknown)}.")
    incidents: dict[str, dict] = {}
    for row_number, raw in rows:
        # None keys: surplus cells past the header; each cell as written before protection.
        row = {k: unprotect(v or "") for k, v in raw.items() if k is not None}
        slug = row["incident_slug"].strip()
        incident = incidents.get(slug)
        if incident is None:
            incident = incidents[slug or f"row-{row_number}"] = _csv_incident(row, row_number)
        else:  # a further group: the incident's own columns must repeat the first row's
            incident["_conflicts"] += [
                (row_number, column)
                for column in INCIDENT_COLUMNS
                if column in row and row[column].strip() != incident["_cells"].get(column)
            ]
        if (row["group_number"] or "").strip():
            incident["groups"].append(_csv_group(row, row_number))
    # A CSV file carries statuses and internal notes only in the full rendering.
    scope = FULL if "incident_status" in header else PUBLIC
    return {
        "format": FORMAT,
        "version": 1,
        "scope": scope,
        "rendering": "csv",
        "incidents": list(incidents.values()),
    }


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
    for column, key in (
        ("incident_published_at", "published_at"),
        ("incident_updated_at", "updated_at"),
    ):
        if row.get(column):
            record[key] = row[column]
    if "incident_status" in row:
        record["status"] = row["incident_status"]
        record["notes_internal"] = row.get("incident_notes_internal", "")
    return record


def _csv_date(row: dict, prefix: str) -> dict | str | None:
    earliest = (row.get(f"{prefix}_earliest") or "").strip()
    if earliest:
        return {
            "earliest": earliest,
            "latest": (row.get(f"{prefix}_latest") or "").strip(),
            "precision": (row.get(f"{prefix}_precision") or "").strip(),
        }
    return (row.get(prefix) or "").strip() or None


def _csv_group(row: dict, row_number: int) -> dict:
    number = row["group_number"].strip()
    group: dict[str, Any] = {
        "_row": row_number,
        "_number": number,  # checked for duplicates; the stored order is the order of rows
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
        group["events"].append(
            {
                "kind": bits[0],
                "date": bits[1] or None,
                "location": bits[2] or None,
                "description": bits[3],
            }
        )
    if "group_notes_internal" in row:
        group["notes_internal"] = row["group_notes_internal"]
    return group
